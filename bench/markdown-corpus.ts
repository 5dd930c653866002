/**
 * How much of the corpus of real models' answers (test/fixtures/model-answers) the service reads:
 * in full (every field the answer states is in the typed output), in part (SUCCEEDED, some stated
 * field missed) or failed. The same decision the runner makes: empty, cut-off and refused answers
 * fail, everything else is read. Target: nothing failed, 95 % in full.
 *
 *   npx tsx bench/markdown-corpus.ts
 */
import { statusUpdate } from '../src/capabilities/status-update/index.js';
import { unusableAnswer } from '../src/capabilities/generation/unusable-answer.js';
import { missed, withDates, type ModelAnswer } from '../test/fixtures/model-answers/index.js';
import {
  statusUpdateAnswers,
  statusUpdateIncident,
} from '../test/fixtures/model-answers/status-update.js';

interface Corpus {
  feature: string;
  answers: ModelAnswer[];
  read: (text: string) => unknown;
}

const now = new Date('2026-11-22T14:30:00Z');
const statusInput = statusUpdate.inputSchema.parse({
  incident: withDates(statusUpdateIncident),
  audience: 'INTERNAL',
});
const CORPORA: Corpus[] = [
  {
    feature: 'STATUS_UPDATE',
    answers: statusUpdateAnswers,
    read: (text) => statusUpdate.parseOutput(text, statusInput, { now }).output,
  },
];

const totals = { full: 0, partial: 0, failed: 0 };
for (const corpus of CORPORA) {
  const counts = { full: 0, partial: 0, failed: 0 };
  for (const answer of corpus.answers) {
    if (unusableAnswer(answer.text, 'stop')) {
      counts.failed++;
      console.log(`  failed   ${corpus.feature}: ${answer.name}`);
      continue;
    }
    const wrong = missed(corpus.read(answer.text), answer.expected);
    if (wrong.length === 0) counts.full++;
    else {
      counts.partial++;
      console.log(`  in part  ${corpus.feature}: ${answer.name} (missed ${wrong.join(', ')})`);
    }
  }
  const size = corpus.answers.length;
  console.log(
    `${corpus.feature.padEnd(14)} ${size} answers: ${counts.full} in full, ${counts.partial} in part, ${counts.failed} failed`,
  );
  totals.full += counts.full;
  totals.partial += counts.partial;
  totals.failed += counts.failed;
}
const all = totals.full + totals.partial + totals.failed;
const share = (count: number) => `${((100 * count) / all).toFixed(1)} %`;
console.log(
  `all ${all} answers: ${share(totals.full)} read in full, ${share(totals.partial)} in part, ${share(totals.failed)} failed`,
);
