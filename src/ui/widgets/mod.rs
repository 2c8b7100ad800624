//! What every part draws with: the canvas sized to its CSS box, the palette, the frame loop.

pub mod canvas;
pub mod frame_loop;
pub mod palette;
