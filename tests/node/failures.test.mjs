// Failures and delays on the command line and in simulate(): --delay, --burst and --crash-at
// (repeatable or a comma list) give the wasm engine's numbers exactly (exponential delays use
// libm, so the draws match); malformed values exit 2 / throw with the same specific message.
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

const cases = [
  [['--mode', 'push', '--nodes', '2000', '--delay', 'exp:0.7', '--trials', '20', '--seed', '4'],
    { mode: 'push', nodes: 2000, delay: 'exp:0.7', trials: 20, seed: 4 }],
  [['--mode', 'pull', '--nodes', '1000', '--delay', 'uniform:0.2:1.5', '--loss', '0.1', '--trials', '10', '--seed', '2'],
    { mode: 'pull', nodes: 1000, delay: 'uniform:0.2:1.5', loss: 0.1, trials: 10, seed: 2 }],
  [['--mode', 'push-pull', '--nodes', '1000', '--burst', '0.05:0.25', '--loss', '0.9', '--trials', '10', '--seed', '3'],
    { mode: 'push-pull', nodes: 1000, burst: '0.05:0.25', loss: 0.9, trials: 10, seed: 3 }],
  [['--mode', 'push', '--nodes', '1000', '--crash-at', '3:0.1', '--crash-at', '8:0.2', '--delay', 'fixed:0.5', '--trials', '10', '--seed', '5'],
    { mode: 'push', nodes: 1000, crash_at: ['3:0.1', '8:0.2'], delay: 'fixed:0.5', trials: 10, seed: 5 }],
  [['--mode', 'tree', '--fanout', '2', '--nodes', '500', '--crash-at', '2:0.05,4:0.05', '--repair-delay', '2', '--burst', '0.1:0.5', '--loss', '0.5', '--trials', '5', '--seed', '6'],
    { mode: 'tree', fanout: 2, nodes: 500, crash_at: '2:0.05,4:0.05', repair_delay: 2, burst: '0.1:0.5', loss: 0.5, trials: 5, seed: 6 }],
];

for (const [args, json] of cases) {
  test(`gossip-sim ${args.join(' ')} equals simulate()`, () => {
    const fromCli = native(args);
    const fromWasm = JSON.parse(simulate(JSON.stringify(json)));
    assert.deepEqual(fromWasm, fromCli);
    assert.ok(fromCli.completed > 0);
  });
}

test('--crash-at repeated and as a comma list are the same schedule', () => {
  const repeated = native(['--nodes', '500', '--crash-at', '9:0.2', '--crash-at', '4:0.1', '--seed', '8']);
  const list = native(['--nodes', '500', '--crash-at', '4:0.1,9:0.2', '--seed', '8']);
  assert.deepEqual(repeated, list);
  assert.equal(list.config.crash_at, '4:0.1,9:0.2');
});

test('a delay makes rounds a float in periods', () => {
  const summary = native(['--nodes', '1000', '--delay', 'exp:0.5', '--seed', '1', '--trials', '1']);
  assert.notEqual(summary.rounds.mean, Math.round(summary.rounds.mean));
});

test('malformed values exit 2 and throw with the same specific message', () => {
  const cases = [
    [['--delay', 'fixed:'], { delay: 'fixed:' }, /delay must be .* \(got "fixed:"\)/],
    [['--delay', 'uniform:3:1'], { delay: 'uniform:3:1' }, /A <= B/],
    [['--delay', 'exp:-1'], { delay: 'exp:-1' }, /outside 0 to 10 rounds/],
    [['--crash-at', '5:2'], { crash_at: '5:2' }, /fraction must be from 0 to 1/],
    [['--burst', '<script>'], { burst: '<script>' }, /burst must be .*P:R/],
  ];
  for (const [args, json, message] of cases) {
    const run = spawnSync(cli, args, { encoding: 'utf8' });
    assert.equal(run.status, 2, args.join(' '));
    assert.match(run.stderr, message);
    assert.throws(() => simulate(JSON.stringify(json)), { message });
  }
});
