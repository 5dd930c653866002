/**
 * The injection screen's cost per kilobyte on one core (issue #21's budget: under 0.2 ms/KB),
 * on the job-log fixtures (ordinary text: every rule runs to the end), on the shared attack file
 * (attacks: rules stop at their first match) and on support utterances (CLINC150, one call each:
 * short texts, where what a call costs whatever its length shows), with the PII detector beside
 * it, stage by stage (the stages overlap: the screen folds once for the classifier and the rules).
 * CPU time of this process (`process.cpuUsage`), not wall time: on a shared machine the wall clock
 * also counts the other processes' turns.
 *
 * `--scaling`: the screen and the PII detector on adversarial texts (long runs of digits, `*`,
 * letters of other scripts, spaced letters, base64, ...) of 1, 10 and 100 KB, CPU ms per KB of
 * each: a super-linear path shows as a figure that grows with the length.
 *
 * `--rules`: each phrase rule on the job logs and the attacks, CPU ms per KB of its gate and first
 * match as the screen runs it (tried at its starts, rule-starts.ts, or scanning the text when its
 * start is unbounded), with how many 4 KiB pieces open its gate: where the rules' time goes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { clincUtterances } from '../scripts/clinc150.js';
import { injectionProbability } from '../src/security/injection/classifier.js';
import { asciiWords, mayMatch } from '../src/security/injection/gate.js';
import { assessInjection, RULES, shippedModel } from '../src/security/injection/index.js';
import { foldLines } from '../src/security/injection/normalize.js';
import { RuleStarts } from '../src/security/injection/rule-starts.js';
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

const fourKiB = (text: string): string[] => text.match(/[\s\S]{1,4096}/g) ?? [];

/** `--smoke` (CI): one round per stage, to show the script still runs; its figures mean little. */
const SMOKE = process.argv.includes('--smoke');

/**
 * CPU milliseconds per KB of `run` over `pieces` (4 KiB each, or one utterance each): the least of three measures
 * of at least 100 calls each, since other processes' turns on a shared core only ever add to it,
 * after a warm-up of at least 300 calls (the 24 KB of job logs are 6 pieces: one pass would
 * measure code the JIT has not optimized yet, at twice the cost).
 */
function cpuMsPerKb(pieces: readonly string[], run: (piece: string) => unknown): number {
  const length = pieces.reduce((sum, piece) => sum + piece.length, 0);
  const passes = (calls: number): number => (SMOKE ? 1 : Math.ceil(calls / pieces.length));
  for (let i = 0; i < passes(300); i++) for (const piece of pieces) run(piece);
  const rounds = passes(100);
  let least = Infinity;
  for (let measure = 0; measure < (SMOKE ? 1 : 3); measure++) {
    const before = process.cpuUsage();
    for (let i = 0; i < rounds; i++) for (const piece of pieces) run(piece);
    const used = process.cpuUsage(before);
    least = Math.min(least, (used.user + used.system) / 1000 / rounds / (length / 1024));
  }
  return least;
}

/** Issue #21's budget for the screen and the PII detector together, per KB on one core. */
const TARGET_MS_PER_KB = 0.2;

/** Texts built to find super-linear paths: what each shape repeats, cut to the length asked. */
const ADVERSARIAL: Record<string, string> = {
  digits: '0123456789',
  stars: '*',
  'emphasised words': '**ignore** ',
  cyrillic: 'привет',
  'mixed-script words': 'іgnоre ',
  cjk: '忽略之前',
  spaces: ' ',
  'spaced letters': 'a ',
  'dotted letters': 'a.',
  'one letter': 'a',
  hex: '4a ',
  'percent escapes': '%41',
  quotes: '"ab',
  'attack words': 'ignore previous system you your the ',
  'rule leads': 'reveal your act as ai ',
  leet: '1gn0r3 ',
  'zero-width': 'a\u200bb ',
  'phone-like': '+1 415 555 ',
  'dotted digits': '1.',
  'colons and hex': 'fe80:',
  'at signs': 'a@b.',
  'chat tokens': '<|',
  'image links': '![a](http://x?',
  'line breaks': '\n',
  'short lines': 'ignore all\n',
  'whitespace runs': ' \t\u00a0\u3000',
};

function scaling(): void {
  const base64 = Array.from({ length: 64 }, (_, i) =>
    'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charAt((i * 37) % 64),
  ).join('');
  const shapes = { ...ADVERSARIAL, base64 };
  console.log(`${'shape'.padEnd(20)}   1 KB   10 KB  100 KB  (screen + PII, CPU ms per KB)`);
  for (const [name, unit] of Object.entries(shapes)) {
    const row = [1024, 10240, 102400].map((length) => {
      const text = unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
      // One text, warmed by a call, measured over at least 60 ms: the least of three.
      const run = (): unknown => [assessInjection(text), findPii(text)];
      run();
      let least = Infinity;
      for (let measure = 0; measure < (SMOKE ? 1 : 3); measure++) {
        const before = process.cpuUsage();
        let calls = 0;
        let used;
        do {
          run();
          calls++;
          used = process.cpuUsage(before);
        } while (!SMOKE && used.user + used.system < 60_000);
        least = Math.min(least, (used.user + used.system) / 1000 / calls / (length / 1024));
      }
      return least;
    });
    console.log(`${name.padEnd(20)} ${row.map((v) => v.toFixed(3).padStart(7)).join(' ')}`);
  }
}

const model = shippedModel();
console.log(`load average (1 min): ${loadavg()[0]!.toFixed(2)}`);
function rules(): void {
  const starts = new RuleStarts(RULES.map((rule) => rule.pattern));
  for (const [name, text] of [
    ['job logs', logs],
    ['attacks', attacks],
  ] as const) {
    const texts = fourKiB(text).map((piece) => {
      const reader = starts.reader(piece);
      return { piece, words: asciiWords(piece, reader), at: reader.starts };
    });
    const byPiece = new Map(texts.map((t) => [t.piece, t]));
    const rows = RULES.map((rule, i) => {
      const gate = starts.indexed[i] ? { words: rule.gate.words } : rule.gate;
      const opens = (piece: string): boolean => {
        const { words, at } = byPiece.get(piece)!;
        return (!starts.indexed[i] || at[i] !== undefined) && mayMatch(gate, words, piece);
      };
      const msPerKb = cpuMsPerKb(
        texts.map((t) => t.piece),
        (piece) => {
          if (!opens(piece)) return null;
          const at = byPiece.get(piece)!.at[i];
          if (at) return starts.firstMatch(i, piece, at);
          rule.pattern.lastIndex = 0;
          return rule.pattern.exec(piece);
        },
      );
      const opened = texts.filter((t) => opens(t.piece)).length;
      return { i, msPerKb, opened, bounded: starts.indexed[i]! };
    });
    console.log(
      `${name}: rules by CPU ms per KB (gate and first match), pieces that open the gate`,
    );
    for (const row of rows.sort((a, b) => b.msPerKb - a.msPerKb).slice(0, 15)) {
      const rule = RULES[row.i]!;
      console.log(
        `  ${String(row.i).padStart(2)} ${rule.kind.padEnd(22)} ${row.msPerKb.toFixed(4)}  ${row.opened}/${texts.length}  ${row.bounded ? 'at its starts' : 'scans'}  ${rule.pattern.source.slice(0, 50)}`,
      );
    }
    console.log(`  all rules: ${rows.reduce((sum, row) => sum + row.msPerKb, 0).toFixed(4)}`);
  }
}

if (process.argv.includes('--scaling')) {
  scaling();
  process.exit(0);
}
if (process.argv.includes('--rules')) {
  rules();
  process.exit(0);
}
for (const [name, texts] of [
  ['job logs', fourKiB(logs)],
  ['attacks', fourKiB(attacks)],
  ['support utterances, one call each', clincUtterances('test')],
] as const) {
  const stages: [string, (piece: string) => unknown][] = [
    ['folding (foldLines + asciiWords)', (piece) => [foldLines(piece), asciiWords(piece)]],
    ['classifier (its folding included)', (piece) => injectionProbability(piece, model)],
    ['rules alone (assess without the model)', (piece) => assessInjection(piece, { model: null })],
    ['injection screen (assessInjection)', (piece) => assessInjection(piece)],
    ['PII (findPii)', (piece) => findPii(piece)],
    ['screen + PII', (piece) => [assessInjection(piece), findPii(piece)]],
  ];
  const kb = texts.reduce((sum, text) => sum + text.length, 0) / 1024;
  console.log(`${name} (${Math.round(kb)} KB), CPU ms per KB:`);
  for (const [stage, run] of stages) {
    const msPerKb = cpuMsPerKb(texts, run);
    const verdict =
      stage === 'screen + PII'
        ? `  (target ${TARGET_MS_PER_KB}: ${msPerKb <= TARGET_MS_PER_KB ? 'met' : `${(msPerKb / TARGET_MS_PER_KB).toFixed(2)} times over`})`
        : '';
    console.log(`  ${stage.padEnd(40)} ${msPerKb.toFixed(3)}${verdict}`);
  }
}
