#![cfg(not(target_arch = "wasm32"))]
//! RMTP at scale (theory.md section 7) with fixed seeds: it completes under loss and crashes, and
//! the ACKs reaching the sender show the implosion without designated receivers and its absence
//! with them. Exact where the model is deterministic; elsewhere the tolerance is 3 standard
//! errors of the measured mean.

use gossip_lab::engine::protocols::rmtp::{self, ACK};
use gossip_lab::engine::report::Change;
use gossip_lab::engine::rng::trial_seed;
use gossip_lab::engine::{Config, Fate, Mode, NetworkConfig, RoundReport, Simulation, Status};
use serde_json::Value;
use std::process::Command;

const NODES: u32 = 1000;
const PACKETS: u32 = 8;
const PERIOD: u32 = 2;
/// The first ACK round: P + 1.
const FIRST_ACK_ROUND: usize = PERIOD as usize + 1;

fn config(regions: u32, designated: bool, loss: f64, crash: f64, trial: u64) -> Config {
    Config {
        nodes: NODES,
        mode: Mode::Rmtp,
        packets: PACKETS,
        seed: trial_seed(17, trial),
        network: NetworkConfig { loss, crash },
        rmtp: rmtp::Params {
            regions,
            ack_period: PERIOD,
            designated,
        },
        ..Config::default()
    }
}

/// A whole recorded run: its reports and final status.
fn recorded(config: Config) -> (Vec<RoundReport>, Simulation) {
    let mut simulation = Simulation::with_contacts(config).unwrap();
    let mut reports = Vec::new();
    while let Some(report) = simulation.step() {
        reports.push(report);
    }
    (reports, simulation)
}

/// ACKs that arrived at the sender in a round.
fn acks_at_sender(report: &RoundReport) -> u64 {
    report
        .contacts
        .iter()
        .filter(|c| c.kind == ACK && c.to == 0 && c.fate == Fate::Arrived)
        .count() as u64
}

fn reattached(report: &RoundReport) -> u64 {
    report
        .events
        .iter()
        .filter(|e| matches!(e.change, Change::Reattached { to: 0 }))
        .count() as u64
}

fn live_designated(simulation: &Simulation, regions: u32) -> u64 {
    (0..regions)
        .filter(|&r| !simulation.is_crashed(rmtp::designated_receiver(r, NODES, regions)))
        .count() as u64
}

#[test]
fn without_loss_the_sender_gets_exactly_r_acks_a_period_with_drs_and_n_minus_1_without() {
    for (designated, expected) in [(true, 10), (false, NODES as u64 - 1)] {
        let (reports, simulation) = recorded(config(10, designated, 0.0, 0.0, 0));
        assert_eq!(simulation.status(), Status::Completed { rounds: PACKETS });
        assert_eq!(
            expected as f64,
            rmtp::expected_acks_at_sender_per_period(NODES, 10, designated)
        );
        for report in &reports {
            let acks = acks_at_sender(report);
            let ack_round = report.round > 1 && (report.round - 1) % PERIOD == 0;
            assert_eq!(
                acks,
                if ack_round { expected } else { 0 },
                "round {}",
                report.round
            );
            // Nothing but ACKs arrives at the sender.
            assert_eq!(report.counters.at_sender, acks);
        }
        assert_eq!(simulation.peak_at_sender(), expected);
    }
}

/// Loss 0.2: with DRs, the ACKs at the sender in any round are at most its live DRs plus the
/// receivers that re-affiliated to it (a live DR silent K periods under loss is presumed down:
/// the header of rmtp.rs); without, the first ACK round carries one ACK per live receiver.
#[test]
fn under_loss_the_drs_absorb_the_acks_and_without_them_they_implode_on_the_sender() {
    const TRIALS: u64 = 4;
    let loss = 0.2;
    let mut worst_peak = 0;
    let mut reattachments = 0;
    for trial in 0..TRIALS {
        let (reports, simulation) = recorded(config(10, true, loss, 0.0, trial));
        assert!(matches!(simulation.status(), Status::Completed { .. }));
        let drs = live_designated(&simulation, 10);
        let mut reattached_so_far = 0;
        for report in &reports {
            reattached_so_far += reattached(report);
            let acks = acks_at_sender(report);
            assert!(
                acks <= drs + reattached_so_far,
                "trial {trial} round {}: {acks} ACKs, {drs} DRs, {reattached_so_far} re-affiliated",
                report.round
            );
            assert_eq!(
                report.counters.at_sender, acks,
                "only ACKs reach the sender"
            );
        }
        worst_peak = worst_peak.max(simulation.peak_at_sender());
        reattachments += reattached_so_far;
    }
    eprintln!(
        "with DRs at loss {loss}: worst peak {worst_peak} ACKs at the sender, {reattachments} \
         re-affiliations in {TRIALS} trials"
    );

    let receivers = f64::from(NODES - 1);
    let mut first_round_arrivals = Vec::new();
    for trial in 0..TRIALS {
        let (reports, simulation) = recorded(config(10, false, loss, 0.0, trial));
        assert!(matches!(simulation.status(), Status::Completed { .. }));
        let first = &reports[FIRST_ACK_ROUND - 1];
        // Every receiver ACKs the sender in the first ACK round: the implosion.
        let sent = first.contacts.iter().filter(|c| c.kind == ACK).count();
        assert_eq!(sent as u32, NODES - 1);
        assert!(
            first
                .contacts
                .iter()
                .filter(|c| c.kind == ACK)
                .all(|c| c.to == 0)
        );
        let arrived = acks_at_sender(first);
        assert!(simulation.peak_at_sender() >= arrived);
        assert!(simulation.peak_at_sender() <= u64::from(NODES - 1));
        first_round_arrivals.push(arrived as f64);
    }
    // Arrivals are Binomial(N - 1, 1 - p).
    let mean = first_round_arrivals.iter().sum::<f64>() / TRIALS as f64;
    let expected = receivers * (1.0 - loss);
    let se = (receivers * loss * (1.0 - loss) / TRIALS as f64).sqrt();
    assert!(
        (mean - expected).abs() <= 3.0 * se,
        "first-round ACKs at the sender {mean} vs {expected} +- {}",
        3.0 * se
    );
}

#[test]
fn completes_every_trial_at_loss_0_2() {
    const TRIALS: u64 = 8;
    for designated in [true, false] {
        let mut rounds = Vec::new();
        for trial in 0..TRIALS {
            let mut simulation = Simulation::new(config(10, designated, 0.2, 0.0, trial)).unwrap();
            match simulation.run_to_end() {
                Status::Completed { rounds: r } => rounds.push(r),
                status => panic!("designated {designated} trial {trial}: {status:?}"),
            }
            assert_eq!(simulation.informed(), NODES);
            // The stream takes M rounds; repairs follow at ACK rounds.
            assert!(rounds[rounds.len() - 1] >= PACKETS);
        }
        eprintln!("designated {designated}, loss 0.2: rounds {rounds:?}");
    }
}

/// Crash 0.05 and loss 0.2, with 100 regions so crashed DRs (about 5 a trial) are the rule: every
/// live node ends with every packet, the crashed DRs' receivers through re-affiliation.
#[test]
fn completes_with_crashed_designated_receivers() {
    const TRIALS: u64 = 4;
    let regions = 100;
    let mut crashed_drs = 0;
    let mut reattachments = 0;
    for trial in 0..TRIALS {
        let (reports, simulation) = recorded(config(regions, true, 0.2, 0.05, trial));
        assert!(
            matches!(simulation.status(), Status::Completed { .. }),
            "trial {trial}: {:?}",
            simulation.status()
        );
        assert_eq!(simulation.informed(), simulation.live());
        crashed_drs += u64::from(regions) - live_designated(&simulation, regions);
        reattachments += reports.iter().map(reattached).sum::<u64>();
    }
    eprintln!("{crashed_drs} crashed DRs, {reattachments} re-affiliations in {TRIALS} trials");
    assert!(crashed_drs > 0, "the trials include crashed DRs");
    assert!(reattachments > 0);
    // A crashed DR of 10 regions, chosen on purpose: its ~100 receivers must all get through.
    let mut simulation = Simulation::new(config(10, true, 0.2, 0.05, 0)).unwrap();
    let dr = rmtp::designated_receiver(3, NODES, 10);
    simulation.crash(dr);
    assert!(matches!(simulation.run_to_end(), Status::Completed { .. }));
    assert_eq!(simulation.informed(), simulation.live());
}

// --- The multicast threshold, through the command line ---

/// P[Bin(n, q) = k] for k = 0 ..= n.
fn binomial(n: u32, q: f64) -> Vec<f64> {
    (0..=n)
        .map(|k| {
            let choose = (0..k).fold(1.0, |c, i| c * f64::from(n - i) / f64::from(i + 1));
            choose * q.powi(k as i32) * (1.0 - q).powi((n - k) as i32)
        })
        .collect()
}

/// A repairer's first ACK round under the model: of its `n` group members, K ~ Bin(n, q)
/// are seen lacking the packet (q = p (1 - p): its copy lost, its ACK through). Returns
/// (P[multicast], E[unicasts], E[unicasts^2]) for the threshold F: a multicast when
/// K > F n, else K unicasts.
fn decision(n: u32, q: f64, threshold: f64) -> (f64, f64, f64) {
    let bar = threshold * f64::from(n);
    binomial(n, q).iter().enumerate().fold(
        (0.0, 0.0, 0.0),
        |(multicast, unicast, square), (k, &pk)| {
            let k = k as f64;
            if k > bar {
                (multicast + pk, unicast, square)
            } else {
                (multicast, unicast + pk * k, square + pk * k * k)
            }
        },
    )
}

/// The summary of `trials` runs of one packet, stopped after the first ACK round (round 3).
fn first_ack_round(threshold: &str, trials: u32) -> Value {
    let nodes = (1 + REGIONS * (MEMBERS + 1)).to_string();
    let regions = REGIONS.to_string();
    let trials = trials.to_string();
    let output = Command::new(env!("CARGO_BIN_EXE_gossip-sim"))
        .args([
            "--mode",
            "rmtp",
            "--nodes",
            &nodes,
            "--regions",
            &regions,
            "--packets",
            "1",
            "--ack-period",
            "2",
            "--loss",
            "0.2",
            "--max-rounds",
            "3",
            "--seed",
            "23",
            "--trials",
            &trials,
            "--mcast-threshold",
            threshold,
            "--format",
            "json",
        ])
        .output()
        .expect("gossip-sim runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON on stdout")
}

const REGIONS: u32 = 8;
/// Receivers of a region besides its DR.
const MEMBERS: u32 = 24;

#[test]
fn the_multicast_threshold_trades_unicast_repairs_for_regional_multicasts_as_the_model_says() {
    // One packet, P = 2, loss p = 0.2, R = 8 regions of a DR and 24 receivers, stopped after
    // round 3, the first ACK round. Model (rmtp.rs's rule; theory.md section 7): a DR holds the
    // packet with probability 1 - p and then sees K ~ Bin(24, q) receivers lacking it,
    // q = p (1 - p); it multicasts if K > 24 F, else unicasts K repairs. The sender sees
    // D ~ Bin(8, q) DRs lacking it and does the same with 8 F. Per trial, multicasts
    // X = sum of 8 Bernoulli((1 - p) P[K > 24 F]) + Bernoulli(P[D > 8 F]), and unicasts
    // U likewise; the DR and sender parts are dependent, so their standard deviations are
    // added (Cauchy-Schwarz bound). Tolerance: 3 standard errors of the mean over the trials.
    let (p, trials) = (0.2, 400);
    let q = p * (1.0 - p);
    let nodes = f64::from(1 + REGIONS * (MEMBERS + 1));
    let mut means = Vec::new();
    for threshold in [0.1, 0.25, 1.0] {
        let summary = first_ack_round(&threshold.to_string(), trials);
        let (dr_multicast, dr_unicast, dr_square) = decision(MEMBERS, q, threshold);
        let (sender_multicast, sender_unicast, sender_square) = decision(REGIONS, q, threshold);
        let (regions, held) = (f64::from(REGIONS), 1.0 - p);
        let a = held * dr_multicast;
        let multicasts = regions * a + sender_multicast;
        let multicasts_sd =
            (regions * a * (1.0 - a)).sqrt() + (sender_multicast * (1.0 - sender_multicast)).sqrt();
        let dr_unicast_var = held * dr_square - (held * dr_unicast).powi(2);
        let unicasts = regions * held * dr_unicast + sender_unicast;
        let unicasts_sd =
            (regions * dr_unicast_var).sqrt() + (sender_square - sender_unicast.powi(2)).sqrt();
        // The key is there even when no trial multicast (F = 1).
        let measured_multicasts = summary["multicasts"]["regional_repair"]["mean"]
            .as_f64()
            .expect("multicasts.regional_repair");
        let measured_unicasts = summary["kinds_per_node"]["repair"]["mean"]
            .as_f64()
            .expect("kinds_per_node.repair")
            * nodes;
        let se = |sd: f64| 3.0 * sd / f64::from(trials).sqrt();
        assert!(
            (measured_multicasts - multicasts).abs() <= se(multicasts_sd),
            "F = {threshold}: {measured_multicasts} multicasts a trial, model {multicasts:.3} ± {:.3}",
            se(multicasts_sd)
        );
        assert!(
            (measured_unicasts - unicasts).abs() <= se(unicasts_sd),
            "F = {threshold}: {measured_unicasts} unicast repairs a trial, model {unicasts:.3} ± {:.3}",
            se(unicasts_sd)
        );
        means.push((measured_multicasts, measured_unicasts));
    }
    // F = 1: nothing is ever more than the whole group, so no multicast at all; and the
    // lower the threshold, the more multicasts and the fewer unicasts.
    assert_eq!(means[2].0, 0.0);
    assert!(
        means[0].0 > means[1].0 && means[1].0 > means[2].0,
        "{means:?}"
    );
    assert!(
        means[0].1 < means[1].1 && means[1].1 < means[2].1,
        "{means:?}"
    );
}
