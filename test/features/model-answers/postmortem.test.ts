/** The postmortem corpus of real models' habits through the whole service, waited for and streamed. */
import { badDeploy } from '../../fixtures/incidents/index.js';
import { postmortemAnswers } from '../../fixtures/model-answers/postmortem.js';
import { describeModelAnswers } from '../../support/model-answer-corpus.js';
import { POSTMORTEM_OUTPUT } from '../postmortem/queries.js';

describeModelAnswers({
  title: 'postmortems',
  field: 'draftPostmortem',
  inputType: 'DraftPostmortemInput',
  output: POSTMORTEM_OUTPUT,
  input: { incident: badDeploy },
  answers: postmortemAnswers,
});
