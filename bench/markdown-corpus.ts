/**
 * How much of the corpus of real models' answers (test/fixtures/model-answers) the service reads:
 * in full (every field the answer states is in the typed output), in part (SUCCEEDED, some stated
 * field missed) or failed. The same decision the runner makes: empty, cut-off and refused answers
 * fail, everything else is read. Target: nothing failed, 95 % in full.
 *
 *   npx tsx bench/markdown-corpus.ts
 */
import { assistant } from '../src/features/assistant/index.js';
import { unusableAnswer } from '../src/services/generation/unusable-answer.js';
import { jobDigest } from '../src/features/job-digest/index.js';
import { postmortem } from '../src/features/postmortem/index.js';
import { runbook } from '../src/features/runbook/index.js';
import { statusUpdate } from '../src/features/status-update/index.js';
import { assistantAnswers, assistantInput } from '../test/fixtures/model-answers/assistant.js';
import { badDeploy } from '../test/fixtures/incidents/index.js';
import { missed, withDates, type ModelAnswer } from '../test/fixtures/model-answers/index.js';
import { jobDigestAnswers, jobDigestInput } from '../test/fixtures/model-answers/job-digest.js';
import { postmortemAnswers } from '../test/fixtures/model-answers/postmortem.js';
import { runbookAnswers, runbookRequest } from '../test/fixtures/model-answers/runbook.js';
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
const postmortemInput = postmortem.inputSchema.parse({ incident: withDates(badDeploy) });
const runbookInput = runbook.inputSchema.parse(runbookRequest);
const digestInput = jobDigest.inputSchema.parse(jobDigestInput);
const askInput = assistant.inputSchema.parse(withDates(assistantInput));
const CORPORA: Corpus[] = [
  {
    feature: 'STATUS_UPDATE',
    answers: statusUpdateAnswers,
    read: (text) => statusUpdate.parseOutput(text, statusInput, { now }).output,
  },
  {
    feature: 'POSTMORTEM',
    answers: postmortemAnswers,
    read: (text) => postmortem.parseOutput(text, postmortemInput, { now }).output,
  },
  {
    feature: 'RUNBOOK',
    answers: runbookAnswers,
    read: (text) => runbook.parseOutput(text, runbookInput, { now }).output,
  },
  {
    feature: 'JOB_DIGEST',
    answers: jobDigestAnswers,
    read: (text) => jobDigest.parseOutput(text, digestInput, { now }).output,
  },
  {
    feature: 'ASSISTANT',
    answers: assistantAnswers,
    read: (text) => assistant.parseOutput(text, askInput, { now }).output,
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
