//! One full run at N = 10^6, fanout 1, no loss, per mode that takes a million nodes (the others,
//! membership, SRM and Plumtree, say why they are left out). Budget: at most 100 ms each natively.

#![cfg_attr(target_arch = "wasm32", allow(unused))]

#[cfg(not(target_arch = "wasm32"))]
use criterion::{Criterion, criterion_group, criterion_main};
use gossip_lab::engine::{Config, Mode, Simulation, Status};
use std::hint::black_box;
use std::time::Duration;

fn million(mode: Mode) -> Config {
    Config {
        nodes: 1_000_000,
        fanout: 1,
        mode,
        seed: 7,
        ..Config::default()
    }
}

fn full_run(mode: Mode) -> u32 {
    let mut simulation = Simulation::new(million(mode)).expect("valid");
    match simulation.run_to_end() {
        Status::Completed { rounds } => rounds,
        status => panic!("did not complete: {status:?}"),
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn million_nodes(c: &mut Criterion) {
    let mut group = c.benchmark_group("full_run_1e6");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    for mode in Mode::ALL {
        if let Err(why) = Simulation::new(million(mode)) {
            println!("full_run_1e6/{}: not run: {why}", mode.name());
            continue;
        }
        group.bench_function(mode.name(), |b| {
            b.iter(|| black_box(full_run(black_box(mode))))
        });
    }
    group.finish();
}

#[cfg(not(target_arch = "wasm32"))]
criterion_group!(benches, million_nodes);
#[cfg(not(target_arch = "wasm32"))]
criterion_main!(benches);

/// The benchmark is native only; wasm32 builds of all targets need a main.
#[cfg(target_arch = "wasm32")]
fn main() {}
