//! What the bar's Data CSV and Config JSON downloads hold, and the name every download of a run
//! takes.

use crate::ui::state::Lab;
use crate::ui::url::share::to_query;

use super::browser::base_url;

/// The file name stem of an export: the configuration in words a file system takes.
pub(super) fn stem(lab: &Lab) -> String {
    let config = &lab.config;
    let round = lab.run.borrow().simulation.round();
    format!(
        "gossip-lab_{}_n{}_b{}_loss{}_crash{}_seed{}_round{round}",
        config.mode.name(),
        config.nodes,
        config.fanout,
        config.network.loss,
        config.network.crash,
        config.seed
    )
}

/// Every round of the current run, exactly (replayed from round 0: the run is deterministic).
pub(super) fn csv(lab: &Lab) -> String {
    let run = lab.run.borrow();
    let target = run.simulation.round();
    let mut fresh = crate::ui::state::replay(&run, 0);
    let mut text = String::from(
        "round,informed,live,informed_fraction,datagrams,payload,control,redundant,lost,to_crashed,at_sender,through_core,repaired\n",
    );
    let mut row = |fresh: &crate::ui::state::Run, counters: crate::engine::Counters| {
        let simulation = &fresh.simulation;
        let (informed, live) = (simulation.informed(), simulation.live());
        let c = counters;
        text.push_str(&format!(
            "{},{informed},{live},{},{},{},{},{},{},{},{},{},{}\n",
            simulation.round(),
            f64::from(informed) / f64::from(live.max(1)),
            c.datagrams,
            c.payload,
            c.control,
            c.redundant,
            c.lost,
            c.to_crashed,
            c.at_sender,
            c.through_core,
            c.repaired
        ));
    };
    row(&fresh, Default::default());
    while fresh.simulation.round() < target {
        let clicks: Vec<_> = run
            .clicks
            .iter()
            .filter(|click| click.0 == fresh.simulation.round())
            .copied()
            .collect();
        for (_, node, with_state) in clicks {
            fresh.toggle_crash(node, with_state);
        }
        if !fresh.step() {
            break;
        }
        let counters = fresh
            .last
            .as_ref()
            .map(|report| report.counters)
            .unwrap_or_default();
        row(&fresh, counters);
    }
    text
}

/// The configuration as JSON: `gossip-sim`'s keys, the page's URL and round.
pub(super) fn config_json(lab: &Lab) -> String {
    let mut object = serde_json::Map::new();
    object.insert("config".into(), lab.config.echo().into());
    object.insert(
        "url".into(),
        format!("{}{}", base_url(), to_query(&lab.to_setup())).into(),
    );
    object.insert("round".into(), lab.run.borrow().simulation.round().into());
    crate::engine::json::to_string(&serde_json::Value::Object(object))
}
