//! What SRM and RMTP share as packet streams: the rounds a stream takes without loss, and the
//! round limit that leaves room for its repairs.

use crate::config::Config;

/// Rounds for every live node to hold all M packets without loss or crashes: packet m leaves in
/// round m + 1 and the last arrives `depth` hops later.
pub fn rounds(config: &Config, depth: u32) -> Option<u32> {
    (config.mean_loss() == 0.0
        && config.crashed_count() == 0
        && config.crash_at.is_empty()
        && config.drops.is_empty())
    .then(|| config.packets - 1 + depth)
}

/// The stream's round limit: the stream, then repairs: each missing packet needs a geometric
/// number of requests (success q^2 each), each at most `wait` rounds apart.
pub fn round_limit(config: &Config, depth: u32, wait: f64) -> u32 {
    let loss = config.mean_loss();
    // Planned drops need one recovery each, at most `wait` apart.
    let planned = if config.drops.is_empty() { 0.0 } else { wait };
    let stream = f64::from(config.packets + depth) + planned;
    super::clamp_rounds(if loss >= 1.0 {
        stream + 10.0
    } else {
        stream + super::tries_for_all(f64::from(config.nodes * config.packets), loss) * wait + 50.0
    })
}

/// The most entries in a drop list.
pub const MAX_DROPS: usize = 64;

/// One planned loss: packet `packet` (1 to M, the stream's sequence numbers) is lost on the link
/// into `node` (1 to N - 1), the first time the sender's data crosses that link.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Drop {
    pub packet: u32,
    pub node: u32,
}

/// Losses placed by hand, so a lesson happens exactly as told ("packet 3 is lost on the link into
/// node 1"): up to `MAX_DROPS` entries. They hit the sender's data only (not repairs or
/// retransmissions), on top of whatever `loss` loses. Each entry is packed in a u32 (the packet
/// less one in the top 6 bits, the node below), so the list stays a small `Copy` value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Drops {
    entries: [u32; MAX_DROPS],
    len: u8,
}

const NODE_BITS: u32 = 26;

impl Default for Drops {
    fn default() -> Self {
        Drops {
            entries: [0; MAX_DROPS],
            len: 0,
        }
    }
}

impl Drops {
    pub const FORM: &'static str = "none or PACKET@NODE entries separated by commas, at most 64, packet 1 to M, node 1 to N - 1";

    pub fn entries(&self) -> impl Iterator<Item = Drop> + '_ {
        self.entries[..usize::from(self.len)]
            .iter()
            .map(|&packed| Drop {
                packet: (packed >> NODE_BITS) + 1,
                node: packed & ((1 << NODE_BITS) - 1),
            })
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether the sender's data packet `packet` (0-based, as the engine counts) is lost on the
    /// link into `node`.
    pub fn drops(&self, packet: u32, node: u32) -> bool {
        let packed = (packet << NODE_BITS) | node;
        self.entries[..usize::from(self.len)].contains(&packed)
    }

    pub fn from_entries(entries: &[Drop]) -> Result<Drops, String> {
        if entries.len() > MAX_DROPS {
            return Err(format!(
                "drop takes at most {MAX_DROPS} entries (got {})",
                entries.len()
            ));
        }
        let mut drops = Drops::default();
        for (slot, entry) in drops.entries.iter_mut().zip(entries) {
            // Packets above 64 and nodes of 2^26 and more are out of every run's range; they
            // are kept saturated so `check` refuses them by name.
            let packet = entry.packet.clamp(1, 64) - 1;
            let node = entry.node.min((1 << NODE_BITS) - 1);
            *slot = (packet << NODE_BITS) | node;
        }
        drops.len = entries.len() as u8;
        Ok(drops)
    }

    /// Parses "3@1,5@2" (or "none"). The ranges that depend on N and M are `check`ed later.
    pub fn parse(text: &str) -> Result<Drops, String> {
        let text = text.trim();
        if ["none", "off", ""].contains(&text) {
            return Ok(Drops::default());
        }
        let mut entries = Vec::new();
        for part in text.split(',') {
            let wrong = |why: &str| {
                Err(format!(
                    "drop must be {} (got {:?}): {why}",
                    Drops::FORM,
                    part.trim()
                ))
            };
            let Some((packet, node)) = part.trim().split_once('@') else {
                return wrong("an entry is PACKET@NODE");
            };
            let (Ok(packet), Ok(node)) = (packet.trim().parse::<u32>(), node.trim().parse::<u32>())
            else {
                return wrong("the packet and the node must be whole numbers");
            };
            if packet == 0 {
                return wrong("packets are numbered from 1");
            }
            if node == 0 {
                return wrong("node 0 is the sender: no link leads into it");
            }
            if packet > crate::config::limits::PACKETS.1 {
                return wrong("a stream has at most 64 packets");
            }
            if node >= crate::config::limits::NODES.1 {
                return wrong("a run has at most 1048576 nodes");
            }
            entries.push(Drop { packet, node });
        }
        Drops::from_entries(&entries)
    }

    /// The ranges that depend on the run: packet 1 to M, node 1 to N - 1.
    pub fn check(&self, nodes: u32, packets: u32) -> Result<(), String> {
        for entry in self.entries() {
            if entry.packet > packets {
                return Err(format!(
                    "drop {}@{}: the packet must be from 1 to {packets} (packets)",
                    entry.packet, entry.node
                ));
            }
            if entry.node >= nodes {
                return Err(format!(
                    "drop {}@{}: the node must be from 1 to {} (N - 1)",
                    entry.packet,
                    entry.node,
                    nodes - 1
                ));
            }
        }
        Ok(())
    }
}

impl std::fmt::Display for Drops {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_empty() {
            return f.write_str("none");
        }
        let entries: Vec<String> = self
            .entries()
            .map(|entry| format!("{}@{}", entry.packet, entry.node))
            .collect();
        f.write_str(&entries.join(","))
    }
}
