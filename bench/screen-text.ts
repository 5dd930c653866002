/**
 * The injection screen's cost per kilobyte on one core (issue #21's budget: under 0.2 ms/KB),
 * on the job-log fixtures (ordinary text: every rule runs to the end) and on the shared attack
 * file (attacks: rules stop at their first match), with the PII detector beside it. CPU time of
 * this process (`process.cpuUsage`), not wall time: on a shared machine the wall clock also
 * counts the other processes' turns.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { assessInjection, shippedModel } from '../src/security/injection/index.js';
import { findPii } from '../src/security/pii/index.js';

const LOGS = fileURLToPath(new URL('../test/fixtures/job-logs/', import.meta.url));
const SHARED = fileURLToPath(
  new URL('../../shared/datasets/injection/train.jsonl', import.meta.url),
);

const logs = readdirSync(LOGS)
  .filter((name) => name.endsWith('.log'))
  .sort()
  .map((name) => readFileSync(LOGS + name, 'utf8'))
  .join('\n');
const attacks = readFileSync(SHARED, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => (JSON.parse(line) as { text: string }).text)
  .join('\n')
  .slice(0, 256 * 1024);

/** CPU milliseconds per KB of `run` over `text` cut into 4 KiB pieces, after a warm-up pass. */
function cpuMsPerKb(text: string, run: (piece: string) => unknown): number {
  const pieces = text.match(/[\s\S]{1,4096}/g) ?? [];
  for (const piece of pieces) run(piece);
  const rounds = 5;
  const before = process.cpuUsage();
  for (let i = 0; i < rounds; i++) for (const piece of pieces) run(piece);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / rounds / (text.length / 1024);
}

shippedModel();
console.log(`load average (1 min): ${loadavg()[0]!.toFixed(2)}`);
for (const [name, text] of [
  ['job logs', logs],
  ['attacks', attacks],
] as const) {
  const screen = cpuMsPerKb(text, (piece) => assessInjection(piece));
  const rules = cpuMsPerKb(text, (piece) => assessInjection(piece, { model: null }));
  const pii = cpuMsPerKb(text, (piece) => findPii(piece));
  console.log(
    `${name} (${Math.round(text.length / 1024)} KB): injection screen ${screen.toFixed(3)} ms/KB (rules alone ${rules.toFixed(3)}), PII ${pii.toFixed(3)} ms/KB`,
  );
}
