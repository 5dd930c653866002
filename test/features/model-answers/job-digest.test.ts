/** The job-digest corpus of real models' habits through the whole service, waited for and streamed. */
import { jobDigestAnswers, jobDigestInput } from '../../fixtures/model-answers/job-digest.js';
import { describeModelAnswers } from '../../support/model-answer-corpus.js';
import { DIGEST_OUTPUT } from '../job-digest/queries.js';

describeModelAnswers({
  title: 'job digests',
  field: 'draftJobDigest',
  inputType: 'DraftJobDigestInput',
  output: DIGEST_OUTPUT,
  input: jobDigestInput,
  answers: jobDigestAnswers,
});
