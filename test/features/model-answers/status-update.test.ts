/** The status-update corpus of real models' habits through the whole service, waited for and streamed. */
import {
  statusUpdateAnswers,
  statusUpdateIncident,
} from '../../fixtures/model-answers/status-update.js';
import { describeModelAnswers } from '../../support/model-answer-corpus.js';

describeModelAnswers({
  title: 'status updates',
  field: 'draftStatusUpdate',
  inputType: 'DraftStatusUpdateInput',
  output: {
    type: 'StatusUpdateOutput',
    fields: `audience headline currentStatus impact affectedServices changesSinceLastUpdate
      nextUpdateAt needsHuman`,
  },
  input: { incident: statusUpdateIncident, audience: 'INTERNAL' },
  answers: statusUpdateAnswers,
});
