//! Tree multicast, IP-multicast style (theory.md section 7): a balanced b-ary spanning tree rooted
//! at node 0, the children of i being b i + 1 ..= b i + b. A node forwards the message to its
//! children in the round after it receives it. A crashed internal node, or a datagram lost on a
//! link, cuts off the whole subtree below. With repair, a node still without the message D rounds
//! after it should have had it asks its nearest live ancestor, which sends it (or adopts it until
//! it has the message itself); the request is repeated every D rounds until it succeeds.

use crate::config::Config;
use crate::drivers::{Run, on_events};
use crate::protocol::{Datagram, Net, Protocol, Structure};
use crate::report::{Change, Kind, Look, TICKS_PER_ROUND, Tick};
use crate::spec::{Group, Lesson, Measures, ProtocolSpec, TheorySource, Words};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Params {
    /// Detection delay in rounds before an orphan asks for a repair; `None`: no repair.
    pub repair_delay: Option<u32>,
}

pub struct Tree {
    pub fanout: u32,
    pub nodes: u32,
    pub params: Params,
}

pub const FORWARD: u8 = 0;
pub const REPAIR_REQUEST: u8 = 1;
pub const REPAIR: u8 = 2;

pub const KINDS: &[Kind] = &[
    Kind {
        name: "forward",
        payload: true,
        look: Look::Data,
        label: "forward to a child (message)",
    },
    Kind {
        name: "repair-request",
        payload: false,
        look: Look::Request,
        label: "repair request (orphan)",
    },
    Kind {
        name: "repair",
        payload: true,
        look: Look::Repair,
        label: "repair (message)",
    },
];

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Timer {
    /// Forward to the children (and adopted orphans): the round after receiving.
    Forward,
    /// Check whether the message came; if not, ask for a repair.
    Deadline,
}

/// Orphans that asked this node for the message before it had it.
pub type Node = Vec<u32>;

impl Tree {
    pub fn parent(&self, node: u32) -> Option<u32> {
        (node > 0).then(|| (node - 1) / self.fanout)
    }

    pub fn children(&self, node: u32) -> impl Iterator<Item = u32> {
        let first = u64::from(self.fanout) * u64::from(node) + 1;
        let end = (first + u64::from(self.fanout)).min(u64::from(self.nodes));
        (first..end).map(|child| child as u32)
    }

    /// Hops from the root.
    pub fn depth(&self, mut node: u32) -> u32 {
        let mut depth = 0;
        while let Some(parent) = self.parent(node) {
            node = parent;
            depth += 1;
        }
        depth
    }

    fn has_children(&self, node: u32) -> bool {
        u64::from(self.fanout) * u64::from(node) + 1 < u64::from(self.nodes)
    }
}

/// Ticks from `now` to the start of the next round.
fn until_next_round(now: Tick) -> Tick {
    TICKS_PER_ROUND - now % TICKS_PER_ROUND
}

impl Protocol for Tree {
    type Node = Node;
    type Body = ();
    type Timer = Timer;
    const KINDS: &'static [Kind] = KINDS;
    const EVERY_ROUND: bool = false;

    /// An orphan's wait for the detection delay shows on the stage; forwarding turns do not.
    fn timer_name(&self, timer: &Timer) -> &'static str {
        match timer {
            Timer::Deadline => "repair request timer",
            Timer::Forward => "",
        }
    }

    fn start(&self, net: &mut impl Net<Self>) {
        net.set_timer(0, 0, Timer::Forward);
        if let Some(delay) = self.params.repair_delay {
            // A node at depth d expects the message in round d; it asks after round d + D.
            for node in 1..self.nodes {
                if !net.is_crashed(node) {
                    let rounds = Tick::from(self.depth(node) + delay);
                    net.set_timer(node, rounds * TICKS_PER_ROUND, Timer::Deadline);
                }
            }
        }
    }

    fn on_timer(&self, net: &mut impl Net<Self>, node: u32, timer: Timer) {
        match timer {
            // Rule: forward to every child, then repair every adopted orphan that is not a child.
            Timer::Forward => {
                for child in self.children(node) {
                    net.send(node, child, FORWARD, ());
                }
                for orphan in std::mem::take(net.state_mut(node)) {
                    if self.parent(orphan) != Some(node) {
                        net.send(node, orphan, REPAIR, ());
                    }
                }
            }
            // Rule: still nothing after the detection delay: ask the nearest live ancestor, and
            // ask again D rounds later if that fails too.
            Timer::Deadline => {
                if net.knows(node, 0) {
                    return;
                }
                let parent = self.parent(node).expect("the root never waits");
                let mut ancestor = parent;
                while net.is_crashed(ancestor) {
                    ancestor = self.parent(ancestor).expect("the root never crashes");
                }
                if ancestor != parent {
                    net.note(node, Change::Reattached { to: ancestor });
                }
                net.send(node, ancestor, REPAIR_REQUEST, ());
                let delay = Tick::from(self.params.repair_delay.unwrap_or(1).max(1));
                net.set_timer(node, delay * TICKS_PER_ROUND, Timer::Deadline);
            }
        }
    }

    /// Rule: a node back from a crash without the message asks its nearest live ancestor at
    /// once (and again every D rounds), as an orphan does after its detection delay.
    fn on_recover(&self, net: &mut impl Net<Self>, node: u32) {
        if node != 0 && !net.knows(node, 0) && !net.has_timer(node, Timer::Deadline) {
            self.on_timer(net, node, Timer::Deadline);
        }
    }

    fn on_receive(&self, net: &mut impl Net<Self>, datagram: &mut Datagram<()>) {
        let Datagram { from, to, kind, .. } = *datagram;
        match kind {
            // The message, from the parent or as a repair: forward it next round.
            FORWARD | REPAIR => {
                let new = net.learn(to, 0, from);
                if new && (self.has_children(to) || !net.state(to).is_empty()) {
                    let after = until_next_round(net.now());
                    net.set_timer(to, after, Timer::Forward);
                }
            }
            // An orphan asks: answer at once if the message is here, else adopt the orphan.
            REPAIR_REQUEST => {
                if net.knew(to, 0) {
                    net.send(to, from, REPAIR, ());
                } else if !net.state(to).contains(&from) {
                    net.state_mut(to).push(from);
                }
            }
            _ => {}
        }
    }
}

/// Rounds to reach every node without loss or crashes: the depth, ceil(log_b((b - 1) N + 1)) - 1
/// (theory.md section 7); b = 1 is a chain of N - 1 hops.
pub fn depth_of(nodes: u32, fanout: u32) -> u32 {
    Tree {
        fanout,
        nodes,
        params: Params::default(),
    }
    .depth(nodes - 1)
}

/// Expected informed fraction of the live nodes after each round without repair: a node at depth
/// d is reached if each of the d links delivers (q^d) and its d - 1 ancestors are alive.
pub fn expected_curve(nodes: u32, fanout: u32, loss: f64, crash: f64, max: usize) -> Vec<f64> {
    let depth = depth_of(nodes, fanout) as usize;
    let delivery = 1.0 - loss;
    let n = f64::from(nodes);
    let live = 1.0 + (n - 1.0) * (1.0 - crash);
    let mut curve = vec![1.0 / live];
    let mut level_start = 1.0;
    let mut level_size = f64::from(fanout);
    for d in 1..=depth.min(max.saturating_sub(1)) {
        let in_level = level_size.min(n - level_start).max(0.0);
        let reached =
            in_level * (1.0 - crash) * (delivery * (1.0 - crash)).powi(d as i32 - 1) * delivery;
        curve.push((curve[d - 1] + reached / live).min(1.0));
        level_start += level_size;
        level_size *= f64::from(fanout);
    }
    curve
}

// --- The descriptor ---

pub struct TreeSpec;
pub static SPEC: TreeSpec = TreeSpec;

static WORDS: Words = Words {
    title: "Tree",
    explanation: "Tree: node 0 sends to its b children, each forwards to its own the round after, so every node is reached \
        in the tree's depth, about log_b N rounds: O(log N). But it is fragile: one crashed internal node or one \
        datagram lost on a link cuts off the whole subtree below it, until a repair re-attaches the orphans.",
    informed: "informed",
    fanout: "children per node (the tree's arity), 1 to 16",
    click: "Click a node to see its parent and when it was reached.",
    done: "every live node is informed",
    ended: "a crash or a loss cut a subtree off: its nodes were never informed",
};

impl ProtocolSpec for TreeSpec {
    /// A binary tree: at b = 1 the tree is a chain, O(N) rounds.
    fn page_fanout(&self) -> Option<u32> {
        Some(2)
    }
    fn name(&self) -> &'static str {
        "tree"
    }
    fn group(&self) -> Group {
        Group::Multicast
    }
    fn about(&self) -> &'static str {
        "a balanced b-ary spanning tree from the sender: O(log N) rounds, but a crash cuts a subtree off"
    }
    fn params(&self) -> &'static [&'static str] {
        &[
            "mode",
            "nodes",
            "fanout",
            "loss",
            "crash",
            "seed",
            "max_rounds",
            "burst",
            "crash_at",
            "partition",
            "repair_delay",
        ]
    }
    fn kinds(&self, _config: &Config) -> &'static [Kind] {
        KINDS
    }
    fn structure(&self, config: &Config) -> Structure {
        Structure::Tree {
            fanout: config.fanout,
        }
    }
    fn build(&self, config: &Config) -> Box<dyn Run> {
        on_events(
            Tree {
                fanout: config.fanout,
                nodes: config.nodes,
                params: config.tree,
            },
            config,
        )
    }
    fn round_limit(&self, config: &Config) -> u32 {
        let loss = config.mean_loss();
        let depth = f64::from(depth_of(config.nodes, config.fanout));
        super::clamp_rounds(match config.tree.repair_delay {
            None => depth + 1.0,
            Some(_) if loss >= 1.0 => depth + 10.0,
            // Each level may need a geometric number of requests (success q^2 each).
            Some(delay) => {
                (depth + 1.0)
                    * f64::from(delay + 1)
                    * (super::tries_for_all(f64::from(config.nodes), loss) + 1.0)
                    + 50.0
            }
        })
    }
    fn expected_curve(&self, config: &Config, max_points: usize) -> Vec<f64> {
        if !config.crash_at.is_empty()
            || config.tree.repair_delay.is_some() && config.mean_loss() + config.network.crash > 0.0
        {
            return Vec::new();
        }
        expected_curve(
            config.nodes,
            config.fanout,
            config.mean_loss(),
            config.network.crash,
            max_points,
        )
    }
    fn expected_rounds(&self, config: &Config) -> Option<u32> {
        // Loss or crashes cut subtrees off: without repair they stay uninformed, and with repair
        // the waiting times have no simple closed form.
        (config.mean_loss() == 0.0 && config.crashed_count() == 0 && config.crash_at.is_empty())
            .then(|| depth_of(config.nodes, config.fanout))
    }
    fn closed_form(&self, config: &Config) -> Option<(f64, &'static str)> {
        self.expected_rounds(config).map(|depth| {
            (
                f64::from(depth),
                "depth ceil(log_b((b - 1) N + 1)) - 1: O(log N) (theory.md section 7)",
            )
        })
    }
    fn theory(&self) -> Option<TheorySource> {
        Some(TheorySource {
            source: "theory.md section 7: the depth ceil(log_b((b - 1) N + 1)) - 1; a node at depth d is reached with q^d (1 - f)^(d - 1)",
            assumptions: "no repair; crashes from the start; independent loss per link",
        })
    }
    fn theory_note(&self, config: &Config) -> String {
        if !config.crash_at.is_empty() {
            "no closed-form theory for this combination (a crash schedule): no theory curve is drawn".into()
        } else if config.tree.repair_delay.is_some()
            && config.mean_loss() + config.network.crash > 0.0
        {
            "no closed-form theory for this combination (repairs after loss or crashes): no theory curve is drawn".into()
        } else if config.mean_loss() + config.network.crash > 0.0 {
            "theory: the tree without repair, q^d (1 − f)^(d−1) at depth d: not everyone, dashed"
                .into()
        } else {
            "theory: every level a round, the depth log_b N (theory.md section 7), dashed".into()
        }
    }
    fn lesson(&self, config: &Config, measures: Option<&Measures>) -> Option<Lesson> {
        crate::spec::rounds_lesson(self.expected_rounds(config), measures)
    }
    fn lesson_figure(&self) -> Option<&'static str> {
        Some(crate::spec::ROUNDS_FIGURE)
    }
    fn words(&self) -> &'static Words {
        &WORDS
    }
    fn crash_cuts_subtree(&self) -> bool {
        true
    }
    fn sends_per_node(&self, config: &Config) -> u64 {
        // b children, and a repair request and its answer.
        u64::from(config.fanout) + 2
    }
}
