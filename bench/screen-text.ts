/**
 * The injection screen's cost per kilobyte on one core (issue #21's budget: under 0.2 ms/KB),
 * on the job-log fixtures (ordinary text: every rule runs to the end) and on the shared attack
 * file (attacks: rules stop at their first match), with the PII detector beside it, stage by
 * stage (the stages overlap: the screen folds once for the classifier and the rules). CPU time of
 * this process (`process.cpuUsage`), not wall time: on a shared machine the wall clock also
 * counts the other processes' turns.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { injectionProbability } from '../src/security/injection/classifier.js';
import { asciiWords } from '../src/security/injection/gate.js';
import { assessInjection, shippedModel } from '../src/security/injection/index.js';
import { foldLines } from '../src/security/injection/normalize.js';
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

/** `--smoke` (CI): one round per stage, to show the script still runs; its figures mean little. */
const SMOKE = process.argv.includes('--smoke');

/**
 * CPU milliseconds per KB of `run` over `text` cut into 4 KiB pieces: the least of three measures
 * of at least 100 calls each, since other processes' turns on a shared core only ever add to it,
 * after a warm-up of at least 300 calls (the 24 KB of job logs are 6 pieces: one pass would
 * measure code the JIT has not optimized yet, at twice the cost).
 */
function cpuMsPerKb(text: string, run: (piece: string) => unknown): number {
  const pieces = text.match(/[\s\S]{1,4096}/g) ?? [];
  const passes = (calls: number): number => (SMOKE ? 1 : Math.ceil(calls / pieces.length));
  for (let i = 0; i < passes(300); i++) for (const piece of pieces) run(piece);
  const rounds = passes(100);
  let least = Infinity;
  for (let measure = 0; measure < (SMOKE ? 1 : 3); measure++) {
    const before = process.cpuUsage();
    for (let i = 0; i < rounds; i++) for (const piece of pieces) run(piece);
    const used = process.cpuUsage(before);
    least = Math.min(least, (used.user + used.system) / 1000 / rounds / (text.length / 1024));
  }
  return least;
}

/** Issue #21's budget for the screen and the PII detector together, per KB on one core. */
const TARGET_MS_PER_KB = 0.2;

const model = shippedModel();
console.log(`load average (1 min): ${loadavg()[0]!.toFixed(2)}`);
for (const [name, text] of [
  ['job logs', logs],
  ['attacks', attacks],
] as const) {
  const stages: [string, (piece: string) => unknown][] = [
    ['folding (foldLines + asciiWords)', (piece) => [foldLines(piece), asciiWords(piece)]],
    ['classifier (its folding included)', (piece) => injectionProbability(piece, model)],
    ['rules alone (assess without the model)', (piece) => assessInjection(piece, { model: null })],
    ['injection screen (assessInjection)', (piece) => assessInjection(piece)],
    ['PII (findPii)', (piece) => findPii(piece)],
    ['screen + PII', (piece) => [assessInjection(piece), findPii(piece)]],
  ];
  console.log(`${name} (${Math.round(text.length / 1024)} KB), CPU ms per KB:`);
  for (const [stage, run] of stages) {
    const msPerKb = cpuMsPerKb(text, run);
    const verdict =
      stage === 'screen + PII'
        ? `  (target ${TARGET_MS_PER_KB}: ${msPerKb <= TARGET_MS_PER_KB ? 'met' : `${(msPerKb / TARGET_MS_PER_KB).toFixed(2)} times over`})`
        : '';
    console.log(`  ${stage.padEnd(40)} ${msPerKb.toFixed(3)}${verdict}`);
  }
}
