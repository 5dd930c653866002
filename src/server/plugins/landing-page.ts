import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';

/** Pre-filled in Sandbox: a streamed status update, ready to run. */
const EXAMPLE_OPERATION = `# Draft a status update and stream it: run this, then subscribe to
# generationStream(id: ...) with the returned id in a new tab.
mutation DraftStatusUpdate($input: StatusUpdateInput!) {
  draftStatusUpdate(input: $input) {
    id
    status
    provider
    text
    output { ... on StatusUpdateOutput { headline currentStatus nextUpdateAt } }
  }
}
`;

const EXAMPLE_VARIABLES = {
  input: {
    audience: 'CUSTOMER',
    stream: false,
    incident: {
      title: 'Checkout errors in EU',
      severity: 'SEV2',
      status: 'IDENTIFIED',
      affectedServices: ['checkout'],
      timeline: [
        { at: '2026-11-22T09:12:00Z', message: 'Error rate on checkout rose above 5%' },
        { at: '2026-11-22T09:25:00Z', message: 'Bad deploy identified; rollback started' },
      ],
    },
  },
};

/** Apollo Sandbox at /graphql for browsers when enabled; otherwise no landing page at all. */
export function landingPagePlugin(enabled: boolean) {
  return enabled
    ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false, document: EXAMPLE_OPERATION, variables: EXAMPLE_VARIABLES })
    : ApolloServerPluginLandingPageDisabled();
}
