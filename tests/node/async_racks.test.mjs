// async-racks: the CLI flags --async, --racks and --cross, their JSON keys in simulate() (the same
// summary, to the last digit), core_per_round only with racks, and the ranges' messages.
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

test('--async JITTER: rounds in periods with fractions, the Poisson-clock figure, the same in WASM', () => {
  const summary = native(['--nodes', '1000', '--async', '0.2', '--trials', '30', '--seed', '4']);
  assert.equal(summary.config.async, 0.2);
  assert.equal(summary.completed, 30);
  assert.notEqual(summary.rounds.mean % 1, 0, 'periods with fractions');
  assert.match(summary.theory.closed_form_source, /Poisson clocks/);
  assert.ok(Math.abs(summary.theory.closed_form_rounds - 14.954) < 0.01, '2 H_999 (999/1000)');
  assert.equal(summary.core_per_round, undefined, 'no racks, no core figure');
  const wasm = JSON.parse(simulate('{"nodes": 1000, "async": 0.2, "trials": 30, "seed": 4}'));
  assert.deepEqual(wasm, summary);
  // Absent (off) is synchronous: the same run as without the flag.
  assert.deepEqual(native(['--nodes', '500', '--async', 'off']).rounds, native(['--nodes', '500']).rounds);
  assert.equal(native(['--nodes', '500', '--async', 'off']).config.async, null);
});

test('--racks R --cross P: core_per_round {mean, max}, auto by default, the same in WASM', () => {
  const summary = native(['--nodes', '2000', '--racks', '2', '--trials', '10', '--seed', '3', '--mode', 'push-pull']);
  assert.equal(summary.config.racks, 2);
  assert.equal(summary.config.cross, null, 'auto');
  assert.deepEqual(Object.keys(summary.core_per_round).sort(), ['max', 'mean']);
  assert.ok(summary.core_per_round.mean > 0 && summary.core_per_round.mean < 4);
  assert.ok(summary.core_per_round.max >= summary.core_per_round.mean);
  const wasm = JSON.parse(simulate('{"nodes": 2000, "racks": 2, "cross": "auto", "trials": 10, "seed": 3, "mode": "push-pull"}'));
  assert.deepEqual(wasm, summary);
  const never = native(['--nodes', '200', '--racks', '4', '--cross', '0', '--max-rounds', '30']);
  assert.equal(never.completed, 0);
  assert.deepEqual(never.core_per_round, { mean: 0, max: 0 });
  assert.equal(never.uninformed.mean, 150, 'three racks never hear it');
  const both = native(['--nodes', '300', '--racks', '3', '--cross', '0.2', '--async', '0', '--mode', 'pull', '--seed', '9']);
  assert.equal(both.config.cross, 0.2);
  assert.deepEqual(JSON.parse(simulate('{"nodes": 300, "racks": 3, "cross": 0.2, "async": 0, "mode": "pull", "seed": 9}')), both);
});

test('out-of-range values get a specific message and exit status 2', () => {
  for (const [args, message] of [
    [['--async', '0.7'], 'async must be between 0 and 0.5 (got 0.7)'],
    [['--async', 'fast'], 'async must be a number from 0 to 0.5, or off (got "fast")'],
    [['--racks', '65'], 'racks must be between 1 and 64 (got 65)'],
    [['--racks', '20', '--nodes', '10'], 'racks must be between 1 and 10 (N) (got 20)'],
    [['--cross', '1.5'], 'cross must be between 0 and 1 (got 1.5)'],
  ]) {
    const run = spawnSync(cli, args, { encoding: 'utf8' });
    assert.equal(run.status, 2, args.join(' '));
    assert.ok(run.stderr.includes(message), `${args.join(' ')}: ${run.stderr}`);
  }
  assert.throws(() => simulate('{"async": 0.9}'), { message: 'async must be between 0 and 0.5 (got 0.9)' });
  assert.throws(() => simulate('{"cross": "sometimes"}'), { message: 'cross must be a number from 0 to 1, or auto (got "sometimes")' });
});
