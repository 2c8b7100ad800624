//! The two drivers that carry a protocol's datagrams. `fast`: one message, no delay, no timers,
//! state in one byte per node, fully inlined: gossip at 10^6 nodes. `event`: ticks, an event queue
//! of delayed datagrams and timers, per-node protocol state, several messages, crashes and
//! recoveries during a run. With zero delay both give the same run for a seed (tested).

pub mod counts;
pub mod event;
pub mod fast;
mod run;

pub use run::Run;
pub use run::choose_crashed;
pub(crate) use run::{event_run, fast_or_event, gossip_needs_events, on_events};

use super::report::{Contact, Fate, Learned, NodeEvent, PendingTimer, TimerChange};
use super::rng::{Chance, Rng};

/// How the network drops datagrams. A type, so a lossless run compiles without any loss logic.
pub trait Loss: Copy {
    /// No datagram is ever lost (known when compiled).
    const LOSSLESS: bool = false;
    fn drops(self, rng: &mut Rng) -> bool;
}

#[derive(Clone, Copy)]
pub struct Lossless;

impl Loss for Lossless {
    const LOSSLESS: bool = true;
    #[inline(always)]
    fn drops(self, _: &mut Rng) -> bool {
        false
    }
}

/// Each datagram dropped independently with this chance.
#[derive(Clone, Copy)]
pub struct Lossy(pub Chance);

impl Loss for Lossy {
    #[inline(always)]
    fn drops(self, rng: &mut Rng) -> bool {
        rng.happens(self.0)
    }
}

/// What a step writes down for animation.
#[derive(Debug, Default)]
pub struct Recording {
    pub contacts: Vec<Contact>,
    pub learned: Vec<Learned>,
    pub events: Vec<NodeEvent>,
    pub timers: Vec<PendingTimer>,
    /// Every named timer set, fired or cancelled during the step.
    pub timer_log: Vec<TimerChange>,
}

/// Where a step's datagrams are written down, if anywhere. A type, so runs that do not animate
/// pay nothing per datagram.
pub trait Recorder {
    /// Whether this recorder can record at all: `false` compiles every recording step away.
    const ON: bool;
    fn recording(&mut self) -> Option<&mut Recording>;

    /// Records a contact; returns its index so its fate can be settled after delivery.
    #[inline(always)]
    fn contact(&mut self, contact: impl FnOnce() -> Contact) -> usize {
        match self.recording() {
            Some(recording) => {
                recording.contacts.push(contact());
                recording.contacts.len() - 1
            }
            None => 0,
        }
    }

    #[inline(always)]
    fn settle(&mut self, index: usize, fate: Fate) {
        if let Some(recording) = self.recording() {
            recording.contacts[index].fate = fate;
        }
    }

    #[inline(always)]
    fn learned(&mut self, learned: impl FnOnce() -> Learned) {
        if let Some(recording) = self.recording() {
            recording.learned.push(learned());
        }
    }

    #[inline(always)]
    fn timer(&mut self, change: impl FnOnce() -> TimerChange) {
        if let Some(recording) = self.recording() {
            recording.timer_log.push(change());
        }
    }

    #[inline(always)]
    fn event(&mut self, event: NodeEvent) {
        if let Some(recording) = self.recording() {
            recording.events.push(event);
        }
    }
}

/// Records nothing.
impl Recorder for () {
    const ON: bool = false;
    #[inline(always)]
    fn recording(&mut self) -> Option<&mut Recording> {
        None
    }
}

impl Recorder for &mut Recording {
    const ON: bool = true;
    #[inline(always)]
    fn recording(&mut self) -> Option<&mut Recording> {
        Some(self)
    }
}

/// Records when there is a recording: one compiled case for recorded and unrecorded steps (the
/// event driver's, where a branch per datagram is small beside the queue).
impl Recorder for Option<&mut Recording> {
    const ON: bool = true;
    #[inline(always)]
    fn recording(&mut self) -> Option<&mut Recording> {
        self.as_deref_mut()
    }
}

/// The fate of a delivered datagram: did its receiver learn something, or was it a payload for
/// nothing, or control traffic?
pub(crate) fn delivered_fate(payload: bool, taught: bool) -> Fate {
    match (payload, taught) {
        (_, true) => Fate::Informed,
        (true, false) => Fate::Redundant,
        (false, false) => Fate::Arrived,
    }
}
