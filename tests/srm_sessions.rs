#![cfg(not(target_arch = "wasm32"))]
//! SRM's session messages, carried one event per hop of each message instead of one per copy,
//! against the flood that made every copy its own datagram (each copy queued, delivered and
//! forwarded alone). The law must be the same: per configuration (loss, crashes from the start
//! and during the run, a partition, adaptive timers, no suppression, burst loss, the star), the
//! means over 400 trials of session datagrams per node, requests, repairs, the mean time a node
//! completed (t_ave: the recovery delay shows there) and the rounds must agree with the flood's
//! recorded means within 3 standard errors of their difference (each side's SD over its trials).
//!
//! The flood's figures: `gossip-sim --mode srm --nodes 150 --fanout 2 --packets 8 --trials 400`
//! plus each row's options, built from the engine before the change (commit 506c474); seeds
//! `trial_seed(1, k)`, k < 400. (Carried per hop, the copies draw their losses in the flood's
//! order, so these runs came out identical seed for seed; the test asks only for the law.)

use gossip_lab::engine::Config;
use gossip_lab::engine::ensemble::{self, Experiment, Stats};

const TRIALS: u32 = 400;

/// (mean, SD) over the flood's 400 trials.
type Figure = (f64, f64);

struct Flood {
    name: &'static str,
    options: &'static [(&'static str, &'static str)],
    session_per_node: Figure,
    naks: Figure,
    repairs: Figure,
    t_ave: Figure,
    rounds: Figure,
}

const FLOOD: &[Flood] = &[
    Flood {
        name: "loss",
        options: &[("loss", "0.05")],
        session_per_node: (233.8511, 47.76626),
        naks: (50.1175, 12.330401),
        repairs: (67.88, 12.815076),
        t_ave: (27.882852, 3.669623),
        rounds: (53.1675, 9.801511),
    },
    Flood {
        name: "crashed from the start",
        options: &[("loss", "0.05"), ("crash", "0.1")],
        session_per_node: (216.434981, 54.517814),
        naks: (43.4575, 10.404992),
        repairs: (59.4475, 10.196183),
        t_ave: (25.741138, 3.459943),
        rounds: (51.75, 12.784016),
    },
    Flood {
        name: "partition",
        options: &[("loss", "0.02"), ("partition", "3:half:12")],
        session_per_node: (263.800633, 38.770965),
        naks: (237.25, 40.866339),
        repairs: (139.5725, 23.493395),
        t_ave: (24.105923, 2.356676),
        rounds: (45.405, 7.763482),
    },
    Flood {
        name: "adaptive",
        options: &[("loss", "0.05"), ("srm", "adaptive")],
        session_per_node: (316.094133, 212.711734),
        naks: (51.4675, 12.69752),
        repairs: (48.8425, 8.145155),
        t_ave: (30.981997, 3.888557),
        rounds: (71.4825, 50.083636),
    },
    Flood {
        name: "no suppression",
        options: &[("loss", "0.05"), ("suppression", "off")],
        session_per_node: (174.148733, 22.441571),
        naks: (286.6, 68.674051),
        repairs: (848.035, 72.040359),
        t_ave: (18.653708, 3.383364),
        rounds: (34.15, 2.578589),
    },
    Flood {
        name: "crashes during the run",
        options: &[("loss", "0.05"), ("crash_at", "4:0.1")],
        session_per_node: (187.602017, 38.233397),
        naks: (50.51, 12.1416),
        repairs: (64.3375, 12.023519),
        t_ave: (26.924757, 3.157212),
        rounds: (50.3025, 9.788029),
    },
    Flood {
        name: "burst loss",
        options: &[("loss", "0.3"), ("burst", "0.05:0.5")],
        session_per_node: (266.4929, 45.000907),
        naks: (30.235, 9.256294),
        repairs: (38.9, 10.363566),
        t_ave: (22.480201, 3.310657),
        rounds: (50.405, 8.278424),
    },
    Flood {
        name: "star",
        options: &[
            ("nodes", "17"),
            ("fanout", "16"),
            ("loss", "0.1"),
            ("c2", "8"),
        ],
        session_per_node: (39.767353, 14.691594),
        naks: (9.985, 2.486006),
        repairs: (16.7, 5.231005),
        t_ave: (14.534844, 2.14336),
        rounds: (35.545, 14.705905),
    },
];

fn config(options: &[(&str, &str)]) -> Config {
    let mut config = Config::default();
    for (key, value) in [
        ("mode", "srm"),
        ("nodes", "150"),
        ("fanout", "2"),
        ("packets", "8"),
        ("seed", "1"),
    ]
    .iter()
    .chain(options)
    {
        config.set(key, value).unwrap();
    }
    config.validate().unwrap();
    config
}

/// Whether `measured` (over `TRIALS`) agrees with the flood's figure within 3 standard errors of
/// the difference of the two means.
fn agrees(name: &str, what: &str, flood: Figure, measured: &Stats) -> Option<String> {
    let n = f64::from(TRIALS);
    let error = (flood.1 * flood.1 / n + measured.sd * measured.sd / n).sqrt();
    let gap = (measured.mean - flood.0).abs();
    (gap > 3.0 * error).then(|| {
        format!(
            "{name}: {what} {:.3} against the flood's {:.3} (3 SE = {:.3})",
            measured.mean,
            flood.0,
            3.0 * error
        )
    })
}

#[test]
fn session_messages_per_hop_keep_the_floods_law() {
    let mut disagreements = Vec::new();
    for flood in FLOOD {
        let summary = ensemble::run(
            &Experiment::new(config(flood.options), TRIALS).unwrap(),
            |_| {},
        );
        assert_eq!(
            summary.completed, TRIALS,
            "{}: every trial completes",
            flood.name
        );
        let checks = [
            (
                "session datagrams per node",
                flood.session_per_node,
                &summary.kinds_per_node["session"],
            ),
            (
                "requests (NAK multicasts)",
                flood.naks,
                &summary.multicasts["nak"],
            ),
            (
                "repairs (multicasts)",
                flood.repairs,
                &summary.multicasts["repair"],
            ),
            ("t_ave", flood.t_ave, summary.t_ave.as_ref().unwrap()),
            ("rounds", flood.rounds, summary.rounds.as_ref().unwrap()),
        ];
        for (what, figure, measured) in checks {
            disagreements.extend(agrees(flood.name, what, figure, measured));
        }
    }
    assert!(disagreements.is_empty(), "{disagreements:#?}");
}

#[test]
fn a_session_message_is_counted_as_its_flood_would_count_it() {
    use gossip_lab::engine::protocols::srm::SESSION;
    use gossip_lab::engine::{Fate, Simulation};
    // Seven members (b = 2), node 1 down, no loss: every live member's first session message
    // (tick 0) reaches the 5 other live ones, one copy each: 30 copies, 12 of them on the
    // first hop (origin 0: to 2, and to 3 and 4 around node 1; 2: to 0, 5, 6; 3 and 4: to 0
    // and to each other around node 1; 5 and 6: to 2).
    let mut config = config(&[("nodes", "7")]);
    config.set("loss", "0").unwrap();
    let mut simulation = Simulation::with_contacts(config).unwrap();
    assert!(simulation.crash(1));
    let first = simulation.step().unwrap();
    assert_eq!(first.counters.by_kind[SESSION as usize], 12);
    // Sent in round 1, they land at tick 100: in flight at its end, drawn from the sender.
    let mut around: Vec<_> = simulation
        .flying()
        .iter()
        .filter(|c| c.kind == SESSION && c.from == 0)
        .map(|c| (c.to, c.sent, c.arrives))
        .collect();
    around.sort();
    assert_eq!(around, [(2, 0, 100), (3, 0, 100), (4, 0, 100)]);
    // Then 10 (first-hop copies passed on) and 8 (from 5 and 6 to 3 and 4, and back: three
    // hops), and none after: each copy counted once, as it leaves.
    let later: Vec<_> = (0..3).map(|_| simulation.step().unwrap()).collect();
    let sent: Vec<u64> = later
        .iter()
        .map(|report| report.counters.by_kind[SESSION as usize])
        .collect();
    assert_eq!(sent, [10, 8, 0]);
    let landed: Vec<_> = later
        .iter()
        .flat_map(|report| report.contacts.iter())
        .filter(|c| c.kind == SESSION)
        .collect();
    assert_eq!(landed.len(), 30);
    assert!(landed.iter().all(|c| c.fate == Fate::Arrived));
    // Arrivals at the sender: one from each of the other 5 live members.
    let at_sender: u64 = later.iter().map(|report| report.counters.at_sender).sum();
    assert_eq!(first.counters.at_sender + at_sender, 5);
}
