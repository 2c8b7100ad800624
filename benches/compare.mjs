// Every protocol's run, natively (gossip-sim, one trial) and through the WASM export in Node,
// interleaved so both see the same machine load: the runs of benches/engine.rs (the three gossip
// modes and the two multicast baselines at N = 10^6, fanout 1, no loss), then the others at a
// size where a run takes a few hundred milliseconds natively. On a shared machine the minimum of ten
// runs is the steadiest figure; the median is printed beside it. Budgets: WASM within 1.25x of
// native (minimum against minimum); gossip natively within 100 ms.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { simulate } = require('../target/node/gossip_lab.js');
const million = { nodes: 1000000, fanout: 1, loss: 0 };
const cases = [
  ...['centralized', 'tree', 'push', 'pull', 'push-pull'].map((mode) => ({ mode, ...million })),
  { mode: 'srm', nodes: 1000, fanout: 2, loss: 0.05 },
  { mode: 'rmtp', nodes: 100000, loss: 0.1 },
  { mode: 'plumtree', nodes: 100000 },
  { mode: 'heartbeat', nodes: 1000 },
  { mode: 'swim', nodes: 2000 },
  { mode: 'cassandra', nodes: 500 },
].filter(({ mode }) => !process.env.MODES || process.env.MODES.split(',').includes(mode));
const gossip = new Set(['push', 'pull', 'push-pull']);
const budget = 1.25;
const repeats = 10;
let failed = false;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6;
// Node's execFileSync notices a child's exit only every 50 ms or so, which rounded every native
// time up to a multiple of it: bash's `time` around the run measures it to the millisecond.
const nativeMs = (args) => {
  const script = 'TIMEFORMAT=%3R; { time "$@" >/dev/null; } 2>&1';
  const seconds = execFileSync('bash', ['-c', script, 'bash', 'target/release/gossip-sim', ...args]);
  return Number(String(seconds).trim().split('\n').at(-1)) * 1000;
};

console.log('\nOne run, seed 7: min (median) ms over 10 interleaved runs');
console.log('mode                         nodes           native            wasm   ratio');
for (const { mode, ...rest } of cases) {
  const config = { mode, ...rest, seed: 7, trials: 1 };
  const args = ['--mode', mode, ...Object.entries(rest).flatMap(([key, value]) => [`--${key}`, String(value)]), '--seed', '7', '--quiet'];
  simulate(JSON.stringify(config)); // warm-up: compile and grow memory once
  const native = [];
  const wasm = [];
  for (let i = 0; i < repeats; i++) {
    native.push(nativeMs(args));
    const start = process.hrtime.bigint();
    simulate(JSON.stringify(config));
    wasm.push(ms(start));
  }
  const [nativeMin, wasmMin] = [Math.min(...native), Math.min(...wasm)];
  const ratio = wasmMin / nativeMin;
  const verdict = ratio <= budget && (nativeMin <= 100 || !gossip.has(mode)) ? '' : '  over budget';
  failed ||= verdict !== '';
  const cell = (min, values) => `${min.toFixed(1)} (${median(values).toFixed(1)})`.padStart(16);
  const size = `${rest.nodes}${rest.loss ? `, loss ${rest.loss}` : ''}${rest.fanout > 1 ? `, b ${rest.fanout}` : ''}`;
  console.log(`${mode.padEnd(12)}${size.padStart(22)}${cell(nativeMin, native)}${cell(wasmMin, wasm)} ${ratio.toFixed(2).padStart(6)}x${verdict}`);
}
console.log(`budgets: gossip at 10^6 natively <= 100 ms, every protocol's wasm <= ${budget}x native (minimum against minimum); "over budget" marks a figure over`);
process.exit(failed ? 1 : 0);
