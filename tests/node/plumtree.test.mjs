// Plumtree from the command line and from JavaScript: --mode plumtree, its own parameters, the
// summary's per-message figures (rmr, ldh, reliability), the lesson, and its refusals.
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

const ARGS = ['--mode', 'plumtree', '--nodes', '200', '--fanout', '5', '--messages', '8',
  '--inject-every', '4', '--trials', '4', '--seed', '9'];

test('--mode plumtree: rmr, ldh and reliability per message, in injection order', () => {
  const summary = native(ARGS);
  assert.equal(summary.config.mode, 'plumtree');
  assert.equal(summary.config.ihave_timeout, 3);
  assert.equal(summary.config.graft_timeout, 3);
  assert.equal(summary.config.threshold, 3);
  for (const key of ['rmr', 'ldh', 'reliability']) {
    assert.deepEqual(Object.keys(summary[key]).sort(), ['mean', 'per_message'], key);
    assert.equal(summary[key].per_message.length, 8, key);
  }
  // The first message floods (about b - 2), then the tree carries each message once.
  assert.ok(summary.rmr.per_message[0] > 2);
  assert.deepEqual(summary.rmr.per_message.slice(1), [0, 0, 0, 0, 0, 0, 0]);
  assert.ok(summary.reliability.per_message.every((value) => value === 1));
  assert.ok(summary.ldh.per_message.every((value) => value === summary.ldh.per_message[0]));
  assert.equal(summary.lesson.figure, 'RMR after the tree forms (messages 2 to M)');
  assert.equal(summary.lesson.expected, 0);
  assert.equal(summary.lesson.measured, 0);
  assert.deepEqual(Object.keys(summary.kinds_per_node).sort(), ['gossip', 'graft', 'ihave', 'prune', 'repair']);
});

test('simulate() gives the CLI\'s summary, and its own parameters travel in JSON', () => {
  const config = { mode: 'plumtree', nodes: 200, fanout: 5, messages: 8, inject_every: 4, trials: 4, seed: 9,
    ihave_timeout: 3, threshold: 3 };
  const fromJs = JSON.parse(simulate(JSON.stringify(config)));
  assert.deepEqual(fromJs, native(ARGS));
  const off = JSON.parse(simulate(JSON.stringify({ ...config, threshold: null, crash_at: '12:0.1' })));
  assert.equal(off.config.threshold, null);
  assert.ok(off.reliability.per_message.every((value) => value === 1));
  assert.ok(off.kinds_per_node.graft.mean > 0);
});

test('other protocols have no per-message figures; a parameter plumtree does not take is refused', () => {
  const push = native(['--mode', 'push', '--nodes', '100']);
  assert.equal(push.rmr, undefined);
  const racks = spawnSync(cli, [...ARGS, '--racks', '2'], { encoding: 'utf8' });
  assert.equal(racks.status, 2);
  assert.equal(racks.stderr.trim().split('\n').length, 1);
  assert.match(racks.stderr, /racks does not apply to plumtree/);
  const timeout = spawnSync(cli, [...ARGS, '--ihave-timeout', '0'], { encoding: 'utf8' });
  assert.equal(timeout.status, 2);
  assert.match(timeout.stderr, /ihave_timeout must be between 1 and 100/);
  assert.throws(() => simulate(JSON.stringify({ mode: 'push', threshold: 2 })), /threshold does not apply to push/);
});
