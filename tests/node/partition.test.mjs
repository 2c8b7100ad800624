// Partitions on the command line and in simulate(): --partition (repeatable or a comma list)
// and the JSON key `partition` (a string or an array) give the same summary, with the
// `partitioned`, `false_detections` and `rejoin_time` keys; malformed values exit 2 / throw with
// the same one-line message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { simulate } = require('../../target/node/gossip_lab.js');
const cli = 'target/release/gossip-sim';

function native(args) {
  return JSON.parse(execFileSync(cli, [...args, '--quiet', '--format', 'json'], { encoding: 'utf8' }));
}

test('gossip-sim --partition equals simulate() and completes after the heal', () => {
  const fromCli = native(['--mode', 'push', '--nodes', '1000', '--partition', '1:half:30', '--partition', '40:0-9->10-999:45', '--trials', '10', '--seed', '3']);
  const fromWasm = JSON.parse(simulate(JSON.stringify({ mode: 'push', nodes: 1000, partition: ['1:half:30', '40:0-9->10-999:45'], trials: 10, seed: 3 })));
  assert.deepEqual(fromWasm, fromCli);
  assert.equal(fromCli.config.partition, '1:half:30,40:0-9->10-999:45');
  assert.equal(fromCli.completed, 10);
  assert.ok(fromCli.rounds.min > 29, 'not before the heal');
  assert.ok(fromCli.partitioned.min > 0);
  assert.equal(fromCli.rejoin_time, undefined, 'membership only');
});

test('membership: false_detections and rejoin_time', () => {
  const summary = native(['--mode', 'heartbeat', '--nodes', '40', '--crash-at', '1:0', '--partition', '20:half:100', '--periods', '250', '--t-cleanup', '100', '--trials', '3']);
  assert.ok(summary.false_detections.min >= 2 * 20 * 20);
  assert.ok(summary.rejoin_time.min >= 1);
});

test('malformed partitions exit 2 and throw with the same one-line message', () => {
  const cases = [
    [['--partition', '1:bogus'], { partition: '1:bogus' }, /partition "1:bogus" is wrong: unknown split "bogus"/],
    [['--partition', '5:half:3'], { partition: '5:half:3' }, /the heal round must be after round 5/],
    [['--nodes', '10', '--partition', '1:0-4|5-10'], { nodes: 10, partition: '1:0-4|5-10' }, /names node 10, but the nodes are 0 to 9/],
    [['--partition', '1:racks'], { partition: '1:racks' }, /splits by racks, but this run has none/],
    [['--partition', '1:<script>'], { partition: '1:<script>' }, /unknown split "<script>"/],
  ];
  for (const [args, json, message] of cases) {
    const run = spawnSync(cli, args, { encoding: 'utf8' });
    assert.equal(run.status, 2, args.join(' '));
    assert.match(run.stderr, message);
    assert.equal(run.stderr.trim().split('\n').length, 1);
    assert.throws(() => simulate(JSON.stringify(json)), { message });
  }
  assert.throws(() => simulate(JSON.stringify({ partition: 5 })), { message: /partition must be none or ROUND:SPLIT/ });
});
