/**
 * The landing page's example operations as GraphiQL tabs: one tab per operation, with the
 * comment lines above it and only the variables it declares, so each is ready to run with one
 * click (GraphiQL would otherwise ask which operation of a 15-operation document to run).
 */
import { Kind, parse } from 'graphql';
import { EXAMPLE_DOCUMENT, EXAMPLE_VARIABLES } from '../plugins/landing-page.js';

export interface ExampleTab {
  query: string;
  variables?: string;
}

export function exampleTabs(
  document = EXAMPLE_DOCUMENT,
  variables: Record<string, unknown> = EXAMPLE_VARIABLES,
): ExampleTab[] {
  const lines = document.split('\n');
  const operations = parse(document).definitions.filter(
    (definition) => definition.kind === Kind.OPERATION_DEFINITION,
  );
  return operations.map((operation) => {
    // The comment block directly above the operation explains it: keep it in the tab.
    let first = operation.loc!.startToken.line - 1;
    while (first > 0 && lines[first - 1]!.startsWith('#')) first--;
    const last = operation.loc!.endToken.line;
    const declared = (operation.variableDefinitions ?? []).map(
      (definition) => definition.variable.name.value,
    );
    const own = Object.fromEntries(
      declared.filter((name) => name in variables).map((name) => [name, variables[name]]),
    );
    return {
      query: lines.slice(first, last).join('\n'),
      ...(declared.length > 0 ? { variables: JSON.stringify(own, null, 2) } : {}),
    };
  });
}
