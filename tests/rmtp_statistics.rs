#![cfg(not(target_arch = "wasm32"))]
//! RMTP at scale (theory.md section 7) with fixed seeds: it completes under loss and crashes, and
//! the ACKs reaching the sender show the implosion without designated receivers and its absence
//! with them. Exact where the model is deterministic; elsewhere the tolerance is 3 standard
//! errors of the measured mean.

use gossip_lab::engine::protocols::rmtp::{self, ACK};
use gossip_lab::engine::report::Change;
use gossip_lab::engine::rng::trial_seed;
use gossip_lab::engine::{Config, Fate, Mode, NetworkConfig, RoundReport, Simulation, Status};

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
