/**
 * The command-line tools are clients of the running service, like any product team: they send
 * GraphQL over HTTP with an API key, so they work the same against a laptop or a deployment and
 * never open the service's database behind its back.
 */
export interface ClientOptions {
  /** GraphQL endpoint; default from AI_SUBGRAPH_URL, else the local default. */
  url: string;
  /** API key, sent as a bearer token; default from AI_SUBGRAPH_KEY. */
  key?: string;
}

export class GraphQLRequestError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'GraphQLRequestError';
  }
}

/**
 * The server a command talks to, from --url, AI_SUBGRAPH_URL or the local default, said on stderr
 * first: a command meant for one instance must not write to another that happens to listen there
 * without the operator seeing which one it used.
 */
export function clientFor(
  flags: { url?: string; key?: string },
  env: NodeJS.ProcessEnv = process.env,
): ClientOptions {
  const url = flags.url ?? env.AI_SUBGRAPH_URL ?? 'http://127.0.0.1:4000/graphql';
  console.error(`server: ${url}`);
  return { url, key: flags.key ?? env.AI_SUBGRAPH_KEY };
}

export async function graphql<T>(
  options: ClientOptions,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(options.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(options.key ? { authorization: `Bearer ${options.key}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
  } catch (error) {
    throw new GraphQLRequestError(
      `cannot reach ${options.url}: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message} (is the subgraph running? set --url)`,
      undefined,
    );
  }
  const body = (await response.json().catch(() => ({}))) as {
    data?: T;
    errors?: { message: string; extensions?: { code?: string } }[];
  };
  const first = body.errors?.[0];
  if (first) throw new GraphQLRequestError(first.message, first.extensions?.code);
  if (!body.data)
    throw new GraphQLRequestError(
      `${options.url} answered HTTP ${response.status} without data`,
      undefined,
    );
  return body.data;
}

/**
 * A mutation's payload, or its first `userErrors` entry thrown as an error (with the field path),
 * for commands that stop at the first problem.
 */
export function checkedPayload<T extends { userErrors: UserErrorShape[] }>(payload: T): T {
  const [first] = payload.userErrors;
  if (first)
    throw new GraphQLRequestError(
      first.field ? `${first.field.join('.')}: ${first.message}` : first.message,
      first.code,
    );
  return payload;
}

export interface UserErrorShape {
  field: string[] | null;
  code: string;
  message: string;
}
