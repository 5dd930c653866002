/** The runbook corpus of real models' habits through the whole service, waited for and streamed. */
import { runbookAnswers, runbookRequest } from '../../fixtures/model-answers/runbook.js';
import { describeModelAnswers } from '../../support/model-answer-corpus.js';
import { RUNBOOK_OUTPUT } from '../runbook/queries.js';

describeModelAnswers({
  title: 'runbooks',
  field: 'draftRunbook',
  inputType: 'DraftRunbookInput',
  output: RUNBOOK_OUTPUT,
  input: runbookRequest,
  answers: runbookAnswers,
});
