#![cfg(not(target_arch = "wasm32"))]
//! The memory budget at N = 10^6, measured: a counting global allocator records the heap bytes
//! actually allocated while a run is built and played, instead of trusting the engine's own
//! account of its vectors. Its tests take turns (one lock), so nothing else allocates meanwhile;
//! membership at N = 2,000, and SWIM at N = 10,000, are measured the same way.

use gossip_lab::engine::protocols::swim;
use gossip_lab::engine::{Config, Mode, Simulation};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The system allocator, counting the bytes currently allocated and the most ever at once.
struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let now = CURRENT.fetch_add(bytes, Ordering::SeqCst) + bytes;
    PEAK.fetch_max(now, Ordering::SeqCst);
}

fn shrank(bytes: usize) {
    CURRENT.fetch_sub(bytes, Ordering::SeqCst);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let block = unsafe { System.alloc(layout) };
        if !block.is_null() {
            grew(layout.size());
        }
        block
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let block = unsafe { System.alloc_zeroed(layout) };
        if !block.is_null() {
            grew(layout.size());
        }
        block
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        unsafe { System.dealloc(block, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let moved = unsafe { System.realloc(block, layout, new_size) };
        if moved.is_null() {
            return moved;
        }
        if moved != block {
            // Both blocks existed while the contents were copied.
            grew(new_size);
            shrank(layout.size());
        } else if new_size >= layout.size() {
            grew(new_size - layout.size());
        } else {
            shrank(layout.size() - new_size);
        }
        moved
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The tests take turns: the counters are global.
static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The most heap bytes `work` held at once, above what was allocated before it started.
fn peak_heap_bytes(work: impl FnOnce()) -> usize {
    let _turn = TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let baseline = CURRENT.load(Ordering::SeqCst);
    PEAK.store(baseline, Ordering::SeqCst);
    work();
    PEAK.load(Ordering::SeqCst) - baseline
}

const NODES: u32 = 1_000_000;
/// The engine's per-node data: its state byte, its place in the informed order (u32) and who
/// informed it (u32) are kept for the whole run; while the run is built, the crashed set (one bool
/// per node) exists beside them. So 10 bytes per node at the peak.
const BYTES_PER_NODE: usize = 10;
/// Everything not per node: the round starts (one usize a round, a few dozen rounds, doubling as
/// they grow) and the run's own small allocations.
const SLACK_BYTES: usize = 64 << 10;

#[test]
fn a_million_nodes_peak_at_ten_bytes_a_node_in_every_mode() {
    let budget = NODES as usize * BYTES_PER_NODE + SLACK_BYTES;
    let peaks: Vec<(Mode, usize)> = [Mode::Push, Mode::Pull, Mode::PushPull]
        .into_iter()
        .map(|mode| {
            let peak = peak_heap_bytes(|| {
                let mut simulation = Simulation::new(Config {
                    nodes: NODES,
                    mode,
                    seed: 7,
                    ..Config::default()
                })
                .expect("a valid configuration");
                simulation.run_to_end();
            });
            (mode, peak)
        })
        .collect();
    let report: Vec<String> = peaks
        .iter()
        .map(|(mode, peak)| format!("{mode:?}: {peak} bytes ({:.2} MB)", *peak as f64 / 1e6))
        .collect();
    println!("peak heap at N = {NODES}: {}", report.join(", "));
    for (mode, peak) in peaks {
        assert!(
            peak <= budget,
            "{mode:?} peaked at {peak} heap bytes, over the budget of {budget}; all: {report:?}"
        );
    }
}

/// Heartbeat and Cassandra keep an N x N list, at most 16 bytes an entry (a list a datagram
/// carries is shared with its sender, not copied), so at N = 2,000 a run peaks near 64 MB; SWIM
/// keeps far less (its lists hold what changed).
#[test]
fn membership_at_2000_nodes_peaks_near_its_views() {
    const MEMBERS: usize = 2_000;
    let views = MEMBERS * MEMBERS * 16;
    let budget = views + views / 8;
    for mode in [Mode::Heartbeat, Mode::Swim, Mode::Cassandra] {
        let peak = peak_heap_bytes(|| {
            let mut config = Config {
                nodes: MEMBERS as u32,
                mode,
                seed: 7,
                ..Config::default()
            };
            config.set("periods", "30").unwrap();
            let mut simulation = Simulation::new(config).expect("a valid configuration");
            simulation.run_to_end();
        });
        println!("{mode:?} at N = {MEMBERS}: {:.1} MB", peak as f64 / 1e6);
        assert!(
            peak <= budget,
            "{mode:?} peaked at {peak} heap bytes, over {budget}"
        );
    }
}

/// SWIM's lists are a baseline (everyone alive) and each member's exceptions, so its memory is
/// linear in N: at N = 10,000 one crash costs each member an entry or two, where an N x N table
/// of 16-byte entries would take 1.6 GB. The estimate `validate` checks is linear too (the same
/// bytes a node at N = 2,500 and at N = 10,000), and the run stays within it. A configuration
/// whose lists may fill (loss: any member can be falsely suspected and refute) has no bound
/// short of N x N: above the page's N it is accepted with a budget for its lists, which the run
/// enforces by stopping (`swim::LIST_BUDGET`), so the estimate stays under 1 GB.
#[test]
fn swim_at_10000_nodes_holds_its_changes_not_a_table() {
    const MEMBERS: u32 = 10_000;
    let config = |nodes: u32| {
        let mut config = Config {
            nodes,
            mode: Mode::Swim,
            seed: 7,
            ..Config::default()
        };
        // The default crash at round 10, detected by a few members by round 13.
        config.set("periods", "13").unwrap();
        config
    };
    const FIXED: u64 = 1 << 20;
    let per_node = |nodes: u32| (config(nodes).memory_estimate() - FIXED) / u64::from(nodes);
    assert_eq!(
        per_node(MEMBERS),
        per_node(MEMBERS / 4),
        "the estimate grows faster than N"
    );
    // The datagrams and timers the queue may hold dominate it, a few kilobytes a node: far
    // below the table's 16 bytes x N a node (160 KB).
    let estimate = config(MEMBERS).memory_estimate();
    let table = 16 * u64::from(MEMBERS) * u64::from(MEMBERS);
    assert!(
        estimate < table / 10,
        "{estimate} bytes: over a tenth of an N x N table's {table}"
    );
    let mut detected = false;
    let peak = peak_heap_bytes(|| {
        let mut simulation = Simulation::new(config(MEMBERS)).expect("a valid configuration");
        while let Some(report) = simulation.step() {
            let membership = report.membership.expect("a membership round");
            detected |= membership.first_detection.is_some();
        }
    });
    println!(
        "SWIM at N = {MEMBERS}: {:.1} MB at the peak, {:.1} MB estimated",
        peak as f64 / 1e6,
        estimate as f64 / 1e6
    );
    assert!(detected, "the crash was never suspected");
    assert!(
        peak as u64 <= estimate,
        "peaked at {peak} heap bytes, over the estimate of {estimate}"
    );
    let mut lossy = config(MEMBERS);
    lossy.set("loss", "0.1").unwrap();
    lossy
        .validate()
        .expect("lists that may fill run within a budget");
    let estimate = lossy.memory_estimate();
    assert!(
        estimate > swim::LIST_BUDGET && estimate < 1 << 30,
        "{estimate} bytes: not the lists' budget plus the rest, under 1 GB"
    );
}

/// Above the page's N, SWIM under heavy loss outgrows any budget short of N x N (false
/// confirmations outpace refutations): each round it checks its lists, buffers and the event
/// queue's allocation against the budget the estimate counted, and stops. On the way the heap
/// never passes the estimate, with datagrams in flight across rounds too (the queue grows by
/// pages: a vector doubling within a round held both blocks at once).
#[test]
fn swim_under_heavy_loss_stops_within_its_estimate() {
    for delay in ["none", "fixed:1"] {
        let mut config = Config {
            nodes: 10_000,
            mode: Mode::Swim,
            seed: 1,
            ..Config::default()
        };
        config.set("loss", "0.2").unwrap();
        config.set("delay", delay).unwrap();
        config.set("periods", "100").unwrap();
        let estimate = config.memory_estimate();
        let mut halted = None;
        let peak = peak_heap_bytes(|| {
            let mut simulation = Simulation::new(config).expect("a valid configuration");
            simulation.run_to_end();
            halted = simulation.halted();
        });
        println!(
            "SWIM at N = 10,000, 20 % loss, delay {delay}: {:.1} MB at the peak, {:.1} MB estimated",
            peak as f64 / 1e6,
            estimate as f64 / 1e6
        );
        let why = halted.expect("the run stopped on its budget");
        assert!(why.starts_with("swim stopped at period"), "{why}");
        assert!(
            peak as u64 <= estimate,
            "delay {delay}: peaked at {peak} heap bytes, over the estimate of {estimate}"
        );
    }
}
