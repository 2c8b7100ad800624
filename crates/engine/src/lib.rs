//! The engine: pure Rust, no web, no clock, no global randomness. The UI, the CLI and the
//! JavaScript export all drive it through `Simulation::step` / `run_to_end` and `ensemble::run`.

pub mod config;
pub mod drivers;
pub mod ensemble;
pub mod failures;
pub mod json;
pub mod params;
pub mod protocol;
pub mod protocols;
pub mod report;
pub mod rng;
pub mod simulation;
pub mod spec;
pub mod sweep;
pub mod theory;
pub mod theory_models;
pub mod trace;

pub use config::{Config, ConfigError, Mode, NetworkConfig};
pub use protocol::Structure;
pub use report::{Contact, Counters, Fate, Kind, Learned, Look, NodeEvent, RoundReport};
pub use simulation::{Simulation, Slice, Status};
pub use spec::{Group, ProtocolSpec};
