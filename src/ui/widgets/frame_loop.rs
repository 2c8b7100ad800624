//! A requestAnimationFrame loop owned by a value: dropping the `FrameLoop` cancels it.

use gloo_render::{AnimationFrame, request_animation_frame};
use std::cell::RefCell;
use std::rc::Rc;

type Slot = Rc<RefCell<Option<AnimationFrame>>>;

pub struct FrameLoop {
    slot: Slot,
}

impl FrameLoop {
    /// Calls `on_frame(timestamp_ms)` every frame until dropped.
    pub fn start(on_frame: impl FnMut(f64) + 'static) -> FrameLoop {
        let slot: Slot = Rc::new(RefCell::new(None));
        schedule(slot.clone(), Rc::new(RefCell::new(on_frame)));
        FrameLoop { slot }
    }
}

fn schedule(slot: Slot, on_frame: Rc<RefCell<dyn FnMut(f64)>>) {
    let next = slot.clone();
    let frame = request_animation_frame(move |timestamp| {
        (on_frame.borrow_mut())(timestamp);
        schedule(next, on_frame);
    });
    *slot.borrow_mut() = Some(frame);
}

impl Drop for FrameLoop {
    fn drop(&mut self) {
        // Cancels the pending frame and frees the closure chain.
        self.slot.borrow_mut().take();
    }
}
