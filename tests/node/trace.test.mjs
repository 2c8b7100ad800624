// gossip-sim trace: the same flags as a run, every event of the seed's run as JSON Lines on
// stdout (docs/trace.md), the same text for the same seed, and a clear one-line refusal for a run
// too large to trace or a flag the protocol does not take.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';

const cli = `${process.env.CARGO_TARGET_DIR ?? 'target'}/release/gossip-sim`;

function trace(args) {
  return execFileSync(cli, ['trace', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

const EVENTS = ['send', 'receive', 'lost', 'timer_set', 'timer_fired', 'learn', 'crash', 'recover', 'partition'];

test('gossip-sim trace writes one event a line, in time order, each with its fields', () => {
  const text = trace(['--mode', 'srm', '--nodes', '16', '--loss', '0.1', '--seed', '3']);
  const events = text.trim().split('\n').map((line) => JSON.parse(line));
  assert.ok(events.length > 100, `${events.length} events`);
  let tick = 0;
  for (const event of events) {
    assert.ok(EVENTS.includes(event.event), event.event);
    assert.ok(Number.isInteger(event.tick) && event.tick >= tick, 'ticks never go back');
    tick = event.tick;
    if (['send', 'receive', 'lost'].includes(event.event)) {
      assert.ok(Number.isInteger(event.from) && Number.isInteger(event.to) && typeof event.kind === 'string');
    }
  }
  const seen = new Set(events.map((event) => event.event));
  for (const name of ['send', 'receive', 'lost', 'timer_set', 'timer_fired', 'learn']) {
    assert.ok(seen.has(name), `an SRM run under loss has ${name}`);
  }
  // Each of the 16 nodes learns each of the 8 packets once (no crash: SRM repairs every loss).
  const learned = events.filter((event) => event.event === 'learn').map((event) => `${event.to}:${event.message}`);
  assert.equal(new Set(learned).size, learned.length, 'one learn per node and packet');
  assert.equal(learned.length, 16 * 8);
  // Every receive and loss pairs with an earlier send of the same datagram.
  const sends = new Map();
  for (const event of events) {
    const key = `${event.from}>${event.to}:${event.kind}@${event.event === 'send' ? event.tick : event.sent}`;
    if (event.event === 'send') sends.set(key, (sends.get(key) ?? 0) + 1);
    if (event.event === 'receive' || event.event === 'lost') {
      assert.ok(sends.get(key) > 0, `a send before ${JSON.stringify(event)}`);
      sends.set(key, sends.get(key) - 1);
    }
  }
});

test('the same seed writes the same trace; flags are the run flags', () => {
  const args = ['--mode', 'push-pull', '--nodes', '20', '--crash', '0.1', '--seed', '9'];
  assert.equal(trace(args), trace(args));
  const crashes = trace(args).trim().split('\n').map((line) => JSON.parse(line)).filter((event) => event.event === 'crash');
  assert.equal(crashes.length, 2, 'a tenth of the 19 receivers, rounded, crashed from tick 0');
  assert.ok(crashes.every((event) => event.tick === 0));
  const swim = trace(['--mode', 'swim', '--nodes', '8', '--periods', '20', '--seed', '2']);
  assert.match(swim, /"event":"timer_set","tick":\d+,"to":\d+,"kind":"suspicion"/);
});

test('a run too large to trace, or a bad flag, is refused in one line', () => {
  const large = spawnSync(cli, ['trace', '--nodes', '50000'], { encoding: 'utf8' });
  assert.equal(large.status, 2);
  assert.equal(large.stdout, '');
  assert.equal(large.stderr, 'gossip-sim: a trace follows every datagram: at most 10000 nodes (not 50000)\n');
  const events = spawnSync(cli, ['trace', '--mode', 'pull', '--nodes', '10000', '--loss', '0.5'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(events.status, 2);
  assert.equal(events.stdout, '', 'nothing written before the refusal');
  assert.match(events.stderr, /^gossip-sim: the trace would hold more than 500000 events \(reached in round \d+\); trace fewer nodes, rounds or packets\n$/);
  const inapplicable = spawnSync(cli, ['trace', '--mode', 'push', '--packets', '4'], { encoding: 'utf8' });
  assert.equal(inapplicable.status, 2);
  assert.equal(inapplicable.stderr.split('\n').length, 2, 'one line');
});
