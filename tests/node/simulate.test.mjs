// The engine compiled to WASM (target/node, built by scripts/build-node.sh) gives exactly the
// numbers of the native gossip-sim for the same seed: a seed is the same run on every platform.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { simulate } = require('../../target/node/gossip_lab.js');
const cli = 'target/release/gossip-sim';

function native(config) {
  const flags = Object.entries(config).flatMap(([key, value]) => [`--${key.replace('_', '-')}`, String(value)]);
  return JSON.parse(execFileSync(cli, [...flags, '--quiet', '--format', 'json'], { encoding: 'utf8' }));
}

const configs = [
  { nodes: 1000, fanout: 2, mode: 'pull', seed: 3, trials: 1 },
  { nodes: 10000, fanout: 1, mode: 'push-pull', loss: 0.1, crash: 0.2, trials: 50, seed: 7 },
  { nodes: 777, fanout: 3, mode: 'push', loss: 0.4, crash: 0.5, trials: 20, seed: 18446744073709551615n },
  // Fanout 1 has a round loop of its own in the wasm engine only (push's takes two callers a
  // turn; pull, push-pull): with and without loss and crashes, odd and even numbers of callers.
  { nodes: 5001, fanout: 1, mode: 'push', loss: 0.3, crash: 0.2, trials: 30, seed: 12 },
  { nodes: 100000, fanout: 1, mode: 'push', trials: 3, seed: 7 },
  { nodes: 4096, fanout: 1, mode: 'pull', loss: 0.2, crash: 0.1, trials: 30, seed: 11 },
  { nodes: 100000, fanout: 1, mode: 'pull', trials: 2, seed: 7 },
  { nodes: 100000, fanout: 1, mode: 'push-pull', trials: 2, seed: 8 },
  { nodes: 500, fanout: 2, mode: 'centralized', transport: 'reliable', timeout: 3, loss: 0.1, trials: 20, seed: 5 },
  { nodes: 500, fanout: 3, mode: 'tree', crash: 0.1, loss: 0.05, repair_delay: 2, trials: 20, seed: 5 },
  { nodes: 200, fanout: 2, mode: 'srm', packets: 6, suppression: 'off', loss: 0.05, crash: 0.05, trials: 5, seed: 5 },
  { nodes: 300, mode: 'rmtp', packets: 10, regions: 12, designated: 'on', ack_period: 3, loss: 0.1, crash: 0.05, trials: 5, seed: 5 },
  // membership
  { nodes: 200, mode: 'swim', loss: 0.05, ping_req: 2, suspicion: 4, periods: 40, trials: 4, seed: 5 },
  { nodes: 150, mode: 'heartbeat', fanout: 2, t_fail: 12, t_cleanup: 12, loss: 0.05, periods: 50, trials: 3, seed: 9 },
  { nodes: 120, mode: 'cassandra', phi: 8, crash_at: '5:0.01', join_at: 8, periods: 60, trials: 3, seed: 2 },
  // Lists full early, a partial last block, false convictions revived: the exchange that takes as it compares.
  { nodes: 301, mode: 'cassandra', phi: 2, crash_at: '10:0.1', periods: 100, trials: 2, seed: 4 },
];

for (const config of configs) {
  test(`wasm simulate() equals gossip-sim for ${JSON.stringify(config, (_, v) => (typeof v === 'bigint' ? String(v) : v))}`, () => {
    // u64 seeds beyond 2^53 must survive JSON exactly, so the text is written by hand.
    const json = JSON.stringify(config, (_, value) => (typeof value === 'bigint' ? `@${value}` : value)).replace(/"@(\d+)"/g, '$1');
    const fromWasm = JSON.parse(simulate(json));
    const fromCli = native(config);
    assert.deepEqual(fromWasm, fromCli);
    // Membership runs for its periods; what it must show is a detection of the crash.
    assert.ok(fromCli.completed > 0 || fromCli.first_detection?.mean > 0);
  });
}

test('simulate() throws the same clear message as the CLI for out-of-range input', () => {
  assert.throws(() => simulate('{"nodes": 1}'), { message: 'nodes must be between 2 and 1048576 (got 1)' });
  // The registry's names, in its order, as `gossip-sim protocols` lists them.
  const names = JSON.parse(execFileSync(cli, ['protocols', '--format', 'json'], { encoding: 'utf8' })).map((entry) => entry.name);
  assert.deepEqual(names.slice(0, 10), ['centralized', 'tree', 'srm', 'rmtp', 'push', 'pull', 'push-pull', 'heartbeat', 'swim', 'cassandra']);
  assert.throws(() => simulate('{"nodes": 10, "mode": "gossipy"}'), { message: `mode must be one of ${names.join(', ')} (got "gossipy")` });
  assert.throws(() => simulate('{"nodes": 10, "colour": "red"}'), /unknown key "colour"/);
  assert.throws(() => simulate('{"nodes": 10, "mode": "tree", "senders": 2}'), { message: 'senders does not apply to tree: it applies to push, pull, push-pull, plumtree' });
  assert.throws(() => simulate('{"nodes": 10, "loss": 2}'), { message: 'loss must be between 0 and 1 (got 2)' });
  const run = spawnSync(cli, ['--nodes', '1'], { encoding: 'utf8' });
  assert.equal(run.status, 2);
  assert.match(run.stderr, /nodes must be between 2 and 1048576 \(got 1\)/);
});

test('SWIM whose lists outgrow their memory budget stops with one line and exit 1', () => {
  // 20 % loss at N = 10,000: members refute faster than the news spreads; the lists and the
  // event queue pass 640 MB around period 74, and the run stops there instead of growing.
  const run = spawnSync(cli, ['--mode', 'swim', '--nodes', '10000', '--loss', '0.2', '--periods', '100', '--quiet'], { encoding: 'utf8' });
  assert.equal(run.status, 1);
  assert.equal(run.stdout, '');
  assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
  assert.match(run.stderr, /^gossip-sim: swim stopped at period \d+: its lists, piggybacked updates and event queue outgrew the 640 MB its memory estimate allows/);
});

test('--per-round csv prints one row per round, from round 0 to completion', () => {
  const csv = execFileSync(cli, ['--nodes', '1000', '--fanout', '2', '--mode', 'pull', '--seed', '3', '--per-round', '--format', 'csv'], { encoding: 'utf8' });
  const [header, ...rows] = csv.trim().split('\n');
  assert.equal(header, 'round,informed,new,datagrams,payload,redundant,lost');
  assert.deepEqual(rows[0].split(',').slice(0, 3), ['0', '1', '1']);
  const last = rows.at(-1).split(',').map(Number);
  assert.equal(last[1], 1000);
  const summary = native({ nodes: 1000, fanout: 2, mode: 'pull', seed: 3, trials: 1 });
  assert.equal(last[0], summary.rounds.mean);
});
