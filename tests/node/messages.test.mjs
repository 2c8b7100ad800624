// Many messages from the command line and from JavaScript: --messages, --capacity, --policy and
// --inject-every, the summary's message_latency and incomplete_messages, and the CLI's errors.
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

test('--messages, --capacity, --policy and --inject-every reach the engine and the summary', () => {
  const summary = native(['--nodes', '300', '--mode', 'push-pull', '--messages', '6', '--capacity', '2',
    '--policy', 'recent', '--inject-every', '2', '--senders', '2', '--trials', '5', '--seed', '4']);
  assert.equal(summary.config.messages, 6);
  assert.equal(summary.config.capacity, 2);
  assert.equal(summary.config.policy, 'recent');
  assert.equal(summary.config.inject_every, 2);
  assert.equal(summary.completed, 5);
  assert.deepEqual(Object.keys(summary.message_latency).sort(), ['max', 'mean']);
  assert.ok(summary.message_latency.mean > 0 && summary.message_latency.max >= summary.message_latency.mean);
  assert.equal(summary.incomplete_messages, 0);
  // Every message reaches everyone by the last round, so no latency exceeds the run.
  assert.ok(summary.message_latency.max <= summary.rounds.max);
});

test('with one message the summary is today\'s: no message keys, the same rounds', () => {
  const one = native(['--nodes', '500', '--mode', 'pull', '--seed', '3']);
  const explicit = native(['--nodes', '500', '--mode', 'pull', '--seed', '3', '--messages', '1', '--policy', 'priority']);
  assert.equal(one.message_latency, undefined);
  assert.equal(one.incomplete_messages, undefined);
  assert.equal(one.config.capacity, undefined, 'capacity is not echoed with one message');
  assert.deepEqual(one, explicit);
});

test('a round limit leaves messages incomplete, and the summary counts them', () => {
  const summary = native(['--nodes', '1000', '--messages', '8', '--policy', 'priority', '--max-rounds', '60', '--seed', '2']);
  assert.equal(summary.completed, 0);
  assert.ok(summary.incomplete_messages >= 1, `${summary.incomplete_messages}`);
});

test('wasm simulate() equals gossip-sim with many messages, for every policy', () => {
  for (const policy of ['random', 'recent', 'priority']) {
    for (const mode of ['push', 'pull', 'push-pull']) {
      const config = { nodes: 200, mode, messages: 10, capacity: 3, policy, inject_every: 1, loss: 0.1, crash: 0.1, trials: 3, seed: 9 };
      const flags = Object.entries(config).flatMap(([key, value]) => [`--${key.replace('_', '-')}`, String(value)]);
      assert.deepEqual(JSON.parse(simulate(JSON.stringify(config))), native(flags), `${mode} ${policy}`);
    }
  }
});

test('bad values are refused with the range, exit status 2', () => {
  for (const [args, message] of [
    [['--messages', '65'], 'messages must be between 1 and 64 (got 65)'],
    [['--messages', '0'], 'messages must be between 1 and 64 (got 0)'],
    [['--capacity', '0'], 'capacity must be between 1 and 64 (got 0)'],
    [['--policy', 'lifo'], 'policy must be one of random, recent, priority (got "lifo")'],
    [['--inject-every', '1001'], 'inject_every must be between 0 and 1000 (got 1001)'],
  ]) {
    const run = spawnSync(cli, args, { encoding: 'utf8' });
    assert.equal(run.status, 2, args.join(' '));
    assert.ok(run.stderr.includes(message), `${args.join(' ')}: ${run.stderr}`);
  }
  assert.throws(() => simulate('{"messages": 100}'), { message: 'messages must be between 1 and 64 (got 100)' });
});
