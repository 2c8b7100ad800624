// The same runs as benches/engine.rs (the three gossip modes and the two multicast baselines),
// through the WASM export in Node, printed beside criterion's native medians. Budget: WASM within
// 1.25x of native; gossip natively within 100 ms.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { simulate } = require('../target/node/gossip_lab.js');
const modes = ['centralized', 'tree', 'push', 'pull', 'push-pull'];
const gossip = new Set(['push', 'pull', 'push-pull']);
const budget = 1.25;
let failed = false;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

console.log('\nFull run, N = 1,000,000, fanout 1, no loss (median ms)');
console.log('mode          native    wasm   ratio');
for (const mode of modes) {
  const config = JSON.stringify({ nodes: 1000000, fanout: 1, mode, loss: 0, seed: 7, trials: 1 });
  simulate(config); // warm-up: compile and grow memory once
  const times = [];
  for (let i = 0; i < 10; i++) {
    const start = process.hrtime.bigint();
    simulate(config);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const estimates = JSON.parse(readFileSync(`target/criterion/full_run_1e6/${mode}/new/estimates.json`, 'utf8'));
  const native = estimates.median.point_estimate / 1e6;
  const wasm = median(times);
  const ratio = wasm / native;
  const verdict = ratio <= budget && (native <= 100 || !gossip.has(mode)) ? '' : '  OVER BUDGET';
  failed ||= verdict !== '';
  console.log(`${mode.padEnd(12)} ${native.toFixed(1).padStart(7)} ${wasm.toFixed(1).padStart(7)} ${ratio.toFixed(2).padStart(6)}x${verdict}`);
}
console.log(`budgets: gossip native <= 100 ms, wasm <= ${budget}x native`);
process.exit(failed ? 1 : 0);
