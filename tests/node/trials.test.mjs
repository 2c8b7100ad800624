// The workers' API: run_trials over chunks of any size, concatenated in trial order, then
// summarize, gives exactly simulate()'s summary (so the page's numbers do not depend on workers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { simulate, run_trials, summarize } = require('../../target/node/gossip_lab.js');

const configs = [
  { nodes: 1000, fanout: 2, mode: 'push-pull', loss: 0.1, crash: 0.2, trials: 23, seed: 7 },
  { nodes: 200, mode: 'srm', loss: 0.05, trials: 5, seed: 5 },
  { nodes: 300, mode: 'push', messages: 8, max_rounds: 6, loss: 0.2, trials: 9, seed: 2 },
];

for (const config of configs) {
  test(`run_trials in chunks + summarize equals simulate() for ${JSON.stringify(config)}`, () => {
    const json = JSON.stringify(config);
    const whole = simulate(json);
    for (const chunk of [1, 4, config.trials]) {
      const parts = [];
      for (let first = 0; first < config.trials; first += chunk) {
        const part = run_trials(json, first, Math.min(chunk, config.trials - first), false);
        assert.ok(part instanceof Float64Array);
        parts.push(...part);
      }
      assert.equal(summarize(json, new Float64Array(parts)), whole, `chunks of ${chunk}`);
    }
  });
}

test('summarize refuses records that are not the experiment\'s trials', () => {
  const json = JSON.stringify({ nodes: 100, trials: 3 });
  const two = run_trials(json, 0, 2, false);
  assert.throws(() => summarize(json, two), { message: /not the experiment's trials/ });
  assert.throws(() => summarize(json, two.subarray(0, 5)), { message: /not the experiment's trials/ });
});

test('sweep = true plays a scaling point as `gossip-sim sweep` does: plain gossip counted, chunks in any size the same records, other protocols the experiment\'s trials', () => {
  const push = JSON.stringify({ nodes: 4096, mode: 'push', loss: 0.1, seed: 3 });
  const whole = run_trials(push, 0, 12, true);
  const chunked = [...run_trials(push, 0, 5, true), ...run_trials(push, 5, 7, true)];
  assert.deepEqual([...whole], chunked);
  assert.notDeepEqual([...whole], [...run_trials(push, 0, 12, false)], 'counted, not node by node');
  const srm = JSON.stringify({ nodes: 100, mode: 'srm', loss: 0.05, seed: 3 });
  assert.deepEqual([...run_trials(srm, 0, 3, true)], [...run_trials(srm, 0, 3, false)]);
});
