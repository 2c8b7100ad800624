//! The gossip engine: pure Rust, no web, no clock, no global randomness. The UI, the CLI and the
//! JavaScript export all drive it through `Simulation::step` / `run_to_end` and `ensemble::run`.

pub mod config;
pub mod ensemble;
pub mod network;
pub mod protocols;
pub mod report;
pub mod rng;
pub mod simulation;
pub mod theory;

pub use config::{Config, ConfigError, Mode};
pub use report::{Contact, ContactKind, Counters, Fate, RoundReport};
pub use simulation::{Simulation, Status};
