/**
 * The injection screen and the PII detector of another checkout (before) against this one's
 * (after), in one process, interleaved: CPU ms per KB of each, the least of seven measures, and
 * their ratio, on the job logs and the shared attack file in 4 KiB pieces and on support utterances
 * (CLINC150), one call each. On a shared machine only such ratios mean much; the load average is
 * printed beside. `--measures=N` takes the least of N measures instead of seven: at load 10 the
 * least of seven still moves by ±10 % between runs, which more measures narrow.
 *
 *   git archive <base commit> | tar -x -C /tmp/base && ln -s "$PWD/node_modules" /tmp/base/
 *   npx tsx bench/support/screen-compare.ts /tmp/base [--measures=15]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { clincUtterances } from '../../scripts/clinc150.js';

interface Screen {
  assessInjection(text: string, options?: { model?: null }): unknown;
  shippedModel(): unknown;
}
interface Pii {
  findPii(text: string): unknown;
}

const baseRoot = process.argv[2];
const MEASURES = Number(
  process.argv.find((arg) => arg.startsWith('--measures='))?.slice('--measures='.length) ?? 7,
);
if (!baseRoot) throw new Error('usage: screen-compare.ts <root of the checkout to compare with>');
const here = fileURLToPath(new URL('../../', import.meta.url));

async function load(root: string): Promise<{ screen: Screen; pii: Pii }> {
  const screen = (await import(`${root}/src/security/injection/index.js`)) as Screen;
  const pii = (await import(`${root}/src/security/pii/index.js`)) as Pii;
  screen.shippedModel();
  return { screen, pii };
}

const before = await load(baseRoot);
const after = await load(here);

const LOGS = `${here}test/fixtures/job-logs/`;
const logs = readdirSync(LOGS)
  .filter((name) => name.endsWith('.log'))
  .sort()
  .map((name) => readFileSync(LOGS + name, 'utf8'))
  .join('\n');
const attacks = readFileSync(`${here}../shared/datasets/injection/train.jsonl`, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => (JSON.parse(line) as { text: string }).text)
  .join('\n')
  .slice(0, 256 * 1024);

const stagesOf = ({ screen, pii }: { screen: Screen; pii: Pii }) => ({
  screen: (piece: string) => screen.assessInjection(piece),
  'rules alone': (piece: string) => screen.assessInjection(piece, { model: null }),
  PII: (piece: string) => pii.findPii(piece),
});

console.log(`load average (1 min): ${loadavg()[0]!.toFixed(2)}`);
/** Support utterances are screened one call each, as the service screens a user's message. */
const utterances = clincUtterances('test');
for (const [name, pieces, rounds] of [
  ['job logs', logs.match(/[\s\S]{1,4096}/g) ?? [], 20],
  ['attacks', attacks.match(/[\s\S]{1,4096}/g) ?? [], 2],
  ['utterances', utterances, 4],
] as const) {
  const text = pieces.join('');
  const least = new Map<string, number>();
  for (let measure = 0; measure < MEASURES; measure++) {
    // Which goes first alternates: an A/A run (a checkout against its copy) that always ran the
    // base first measured the second 1.2-1.3 times cheaper on the logs and utterances at load 14.
    const order = [
      ['before', stagesOf(before)],
      ['after', stagesOf(after)],
    ] as const;
    for (const [who, stages] of measure % 2 === 0 ? order : [...order].reverse()) {
      for (const [stage, run] of Object.entries(stages)) {
        if (measure === 0) for (const piece of pieces) run(piece);
        const started = process.cpuUsage();
        for (let round = 0; round < rounds; round++) for (const piece of pieces) run(piece);
        const used = process.cpuUsage(started);
        const msPerKb = (used.user + used.system) / 1000 / rounds / (text.length / 1024);
        const key = `${stage} ${who}`;
        least.set(key, Math.min(least.get(key) ?? Infinity, msPerKb));
      }
    }
  }
  const line = (stage: string, b: number, a: number): void =>
    console.log(
      `${name}: ${stage.padEnd(12)} ${b.toFixed(3)} -> ${a.toFixed(3)} ms/KB (${(b / a).toFixed(2)} times less)`,
    );
  for (const stage of ['screen', 'rules alone', 'PII'])
    line(stage, least.get(`${stage} before`)!, least.get(`${stage} after`)!);
  line(
    'screen + PII',
    least.get('screen before')! + least.get('PII before')!,
    least.get('screen after')! + least.get('PII after')!,
  );
}
console.log(`load average (1 min): ${loadavg()[0]!.toFixed(2)}`);
