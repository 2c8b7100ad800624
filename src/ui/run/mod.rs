//! The run view: the stage, the control panel, the numbers and legends beside it, and the
//! membership protocols' matrix and charts.

pub mod controls;
pub mod matrix;
pub mod membership;
pub mod panels;
pub mod pixels;
pub mod stage;
