// The runs of benches/engine.rs (the three gossip modes and the two multicast baselines at
// N = 10^6, fanout 1, no loss), natively (gossip-sim, one trial) and through the WASM export in
// Node, interleaved so both see the same machine load. On a shared machine the minimum of ten
// runs is the steadiest figure; the median is printed beside it. Budgets: WASM within 1.25x of
// native (minimum against minimum); gossip natively within 100 ms.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { simulate } = require('../target/node/gossip_lab.js');
const modes = ['centralized', 'tree', 'push', 'pull', 'push-pull'];
const gossip = new Set(['push', 'pull', 'push-pull']);
const budget = 1.25;
const repeats = 10;
let failed = false;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6;

console.log('\nFull run, N = 1,000,000, fanout 1, no loss: min (median) ms over 10 interleaved runs');
console.log('mode              native            wasm   ratio');
for (const mode of modes) {
  const config = { nodes: 1000000, fanout: 1, mode, loss: 0, seed: 7, trials: 1 };
  const args = ['--nodes', '1000000', '--fanout', '1', '--mode', mode, '--seed', '7', '--quiet'];
  simulate(JSON.stringify(config)); // warm-up: compile and grow memory once
  const native = [];
  const wasm = [];
  for (let i = 0; i < repeats; i++) {
    let start = process.hrtime.bigint();
    execFileSync('target/release/gossip-sim', args);
    native.push(ms(start));
    start = process.hrtime.bigint();
    simulate(JSON.stringify(config));
    wasm.push(ms(start));
  }
  const [nativeMin, wasmMin] = [Math.min(...native), Math.min(...wasm)];
  const ratio = wasmMin / nativeMin;
  const verdict = ratio <= budget && (nativeMin <= 100 || !gossip.has(mode)) ? '' : '  OVER BUDGET';
  failed ||= verdict !== '';
  const cell = (min, values) => `${min.toFixed(1)} (${median(values).toFixed(1)})`.padStart(16);
  console.log(`${mode.padEnd(12)}${cell(nativeMin, native)}${cell(wasmMin, wasm)} ${ratio.toFixed(2).padStart(6)}x${verdict}`);
}
console.log(`budgets: gossip native <= 100 ms, wasm <= ${budget}x native (minimum against minimum)`);
process.exit(failed ? 1 : 0);
