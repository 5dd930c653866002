/**
 * ai-subgraph's SDL as @apollo/gateway can serve it. The gateway refuses a supergraph that links a
 * `for: SECURITY` feature it does not implement ("feature https://specs.apollo.dev/requiresScopes/v0.1
 * is for: SECURITY but is unsupported"), and `@requiresScopes` / `@authenticated` are such
 * features: only the Apollo Router enforces them. ai-subgraph enforces its scopes itself
 * (src/security/field-guard.ts), so removing the directives changes nothing these tests measure.
 */
import { Kind, parse, print, visit } from 'graphql';
import { aiSubgraphSdl } from '../../scripts/compose.js';

const SECURITY_DIRECTIVES = new Set(['requiresScopes', 'authenticated', 'policy']);

export function gatewayCompatibleAiSdl(sdl: string = aiSubgraphSdl()): string {
  return print(
    visit(parse(sdl), {
      Directive(node) {
        return SECURITY_DIRECTIVES.has(node.name.value) ? null : undefined;
      },
      ListValue(node, _key, parent) {
        // Drop them from `@link(import: [...])` too.
        const isImport =
          parent &&
          !Array.isArray(parent) &&
          (parent as { kind?: string }).kind === Kind.ARGUMENT &&
          (parent as { name: { value: string } }).name.value === 'import';
        if (!isImport) return undefined;
        return {
          ...node,
          values: node.values.filter(
            (value) =>
              !(
                value.kind === Kind.STRING && SECURITY_DIRECTIVES.has(value.value.replace(/^@/, ''))
              ),
          ),
        };
      },
    }),
  );
}
