// Membership at lecture scale: each protocol run natively for 100 periods (the default crash at
// round 10, no loss, seed 1), one run each, protocols interleaved, under /usr/bin/time. The
// machine may be shared, so the budget is checked against CPU time (user + system), with wall
// time printed beside it; memory is the peak resident set. Budgets: at N = 2,000 each protocol
// under 2 s and 256 MB (Cassandra's goal 1.3 s); at N = 10,000 heartbeat and Cassandra under
// 30 s and 1 GB, SWIM (no N x N table) under 2 s and 256 MB.
import { spawnSync } from 'node:child_process';

const binary = `${process.env.CARGO_TARGET_DIR ?? 'target'}/release/gossip-sim`;
const MB = 1024 * 1024;
const cases = [
  { nodes: 2000, mode: 'heartbeat', seconds: 2, memory: 256 * MB },
  { nodes: 2000, mode: 'swim', seconds: 2, memory: 256 * MB },
  { nodes: 2000, mode: 'cassandra', seconds: 2, memory: 256 * MB, goal: 1.3 },
  { nodes: 10000, mode: 'heartbeat', seconds: 30, memory: 1024 * MB },
  { nodes: 10000, mode: 'swim', seconds: 2, memory: 256 * MB },
  { nodes: 10000, mode: 'cassandra', seconds: 30, memory: 1024 * MB },
];
let failed = false;

console.log('\nMembership, 100 periods, one run each: CPU time and peak memory against the budget');
console.log('mode           nodes      cpu s     wall s    memory MB   budget');
for (const { nodes, mode, seconds, memory, goal } of cases) {
  const args = ['-f', '%U %S %e %M', binary, '--mode', mode, '--nodes', String(nodes), '--periods', '100', '--quiet'];
  const run = spawnSync('/usr/bin/time', args, { encoding: 'utf8', maxBuffer: 64 * MB });
  const last = run.stderr.trim().split('\n').pop();
  if (run.status !== 0) {
    console.log(`${mode.padEnd(12)}${String(nodes).padStart(8)}   failed: ${last}`);
    failed = true;
    continue;
  }
  const [user, system, wall, kilobytes] = last.split(' ').map(Number);
  const cpu = user + system;
  const bytes = kilobytes * 1024;
  const over = [];
  if (cpu > seconds) over.push('time');
  if (bytes > memory) over.push('memory');
  failed ||= over.length > 0;
  const budget = `${seconds} s${goal ? ` (goal ${goal} s)` : ''}, ${memory / MB} MB`;
  const verdict = over.length > 0 ? `  over budget (${over.join(', ')})` : '';
  console.log(
    `${mode.padEnd(12)}${String(nodes).padStart(8)}${cpu.toFixed(2).padStart(11)}${wall.toFixed(2).padStart(11)}` +
      `${(bytes / MB).toFixed(0).padStart(13)}   ${budget}${verdict}`,
  );
}
process.exit(failed ? 1 : 0);
