/** The assistant corpus of real models' habits through the whole service, waited for and streamed. */
import { assistantAnswers, assistantInput } from '../../fixtures/model-answers/assistant.js';
import { describeModelAnswers } from '../../support/model-answer-corpus.js';
import { ANSWER } from '../assistant/queries.js';

describeModelAnswers({
  title: 'assistant answers',
  field: 'draftAssistantAnswer',
  inputType: 'DraftAssistantAnswerInput',
  output: ANSWER,
  input: assistantInput,
  answers: assistantAnswers,
});
