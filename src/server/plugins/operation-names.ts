/**
 * The operation names that may become metric labels. Operation names are chosen by clients, so a
 * label per name would let any caller grow the series without bound (issue 14): only the
 * operations this project ships (the explorer's examples and the CLIs' documents) keep their
 * name; every other name is counted as `other`.
 */
import { Kind, parse } from 'graphql';
import { EXAMPLE_DOCUMENT } from './landing-page.js';

/** Named operations the CLIs in src/cli send (test/cli/operation-names.test.ts keeps this in step). */
export const CLI_OPERATIONS = [
  'CreateApiKey',
  'ApiKeys',
  'RevokeApiKey',
  'Import',
  'RouteBacklog',
  'Backlog',
  'BacklogResults',
];

export const KNOWN_OPERATIONS: ReadonlySet<string> = new Set([
  ...parse(EXAMPLE_DOCUMENT).definitions.flatMap((definition) =>
    definition.kind === Kind.OPERATION_DEFINITION && definition.name ? [definition.name.value] : [],
  ),
  ...CLI_OPERATIONS,
]);
