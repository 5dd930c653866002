/**
 * What the capability tests (runbook, job digest, assistant, postmortem) ask of a Generation over
 * GraphQL, written once: the Generation fields every mutation selects, the mutation and the query
 * that reads a stored generation back, a mutation call that fails the test on any GraphQL error or
 * user error, the refusal of bad input (a schema error, or `userErrors` with the field's path), a streamed generation followed to its end, and the test servers (with
 * the builtin provider, or with the OpenAI double as the OpenAI provider) with what the model was
 * sent.
 */
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { startOpenAiDouble, type OpenAiDouble } from './openai-double.js';
import {
  collectStream,
  startTestServer,
  type StreamEventShape,
  type TestServer,
} from './server.js';

/** The Generation fields a capability mutation and the generation query select, besides `output`. */
export const GENERATION_FIELDS = `id feature status text provider model promptVersion incident { id } latencyMs
    groundingIssues { kind value }
    error { code message }`;

/** A Generation as GENERATION_FIELDS selects it, with the capability's typed output. */
export interface GenerationView<Output> {
  id: string;
  feature: string;
  status: string;
  text: string;
  provider: string | null;
  model: string | null;
  promptVersion: string | null;
  incident: { id: string } | null;
  latencyMs: number | null;
  groundingIssues: { kind: string; value: string }[];
  error: { code: string; message: string } | null;
  output: Output | null;
}

/** What a document selects of a Generation's typed output: the fields of one output type. */
export interface OutputSelection {
  /** The GraphQL output type, such as `RunbookOutput`. */
  type: string;
  fields: string;
}

function outputOf({ type, fields }: OutputSelection): string {
  return `output { __typename ... on ${type} {
      ${fields}
    } }`;
}

/** What every payload of a draft mutation selects besides its `generation`. */
export const USER_ERRORS = 'userErrors { field code message }';

/** A user error as USER_ERRORS selects it. */
export interface UserErrorView {
  field: string[] | null;
  code: string;
  message: string;
}

/** A draft mutation's payload as `generationMutation` selects it. */
export interface DraftPayloadView<Output> {
  generation: GenerationView<Output> | null;
  userErrors: UserErrorView[];
}

/**
 * A capability's mutation as clients send it: `field(input: $input)`, the payload's generation with
 * the Generation fields and the typed output, and its user errors.
 */
export function generationMutation(mutation: {
  operation: string;
  field: string;
  inputType: string;
  output: OutputSelection;
}): string {
  return `mutation ${mutation.operation}($input: ${mutation.inputType}!) {
  ${mutation.field}(input: $input) {
    generation {
      ${GENERATION_FIELDS}
      ${outputOf(mutation.output)}
    }
    ${USER_ERRORS}
  }
}`;
}

/** Reads a stored generation back by id, with the Generation fields and the typed output. */
export function generationQuery(output: OutputSelection): string {
  return `query Generation($id: ID!) {
  generation(id: $id) {
    ${GENERATION_FIELDS}
    ${outputOf(output)}
  }
}`;
}

/**
 * Sends a capability mutation and returns the Generation of its payload under `field`, whatever
 * its outcome (a failed draft is a generation too); a GraphQL error or a user error fails the test.
 */
export async function mutateGeneration<Output>(
  server: TestServer,
  mutation: string,
  field: string,
  input: Record<string, unknown>,
): Promise<GenerationView<Output>> {
  const result = await server.graphql<Record<string, DraftPayloadView<Output>>>(mutation, {
    input,
  });
  expect(result.errors).toBeUndefined();
  expect(result.data![field]!.userErrors).toEqual([]);
  return result.data![field]!.generation!;
}

/**
 * Sends input the schema or the capability must refuse, saying what is wrong: a value the schema
 * cannot take (a wrong type, a missing field, an unknown enum value) is one BAD_USER_INPUT GraphQL
 * error; one the capability refuses is a payload with no generation and BAD_USER_INPUT `userErrors`
 * whose `field` is a path under `input`. `mentions` matches the message, written for user errors
 * as `path.to.field: message` (the path without `input`).
 */
export async function expectBadUserInput(
  server: TestServer,
  mutation: string,
  input: Record<string, unknown>,
  mentions: RegExp,
): Promise<void> {
  const field = /\{\s*(\w+)\(input:/.exec(mutation)![1]!;
  const result = await server.graphql<Record<string, DraftPayloadView<unknown>>>(mutation, {
    input,
  });
  if (result.errors) {
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(result.errors[0]!.message).toMatch(mentions);
    return;
  }
  const { generation, userErrors } = result.data![field]!;
  expect(generation).toBeNull();
  expect(userErrors.length).toBeGreaterThan(0);
  for (const error of userErrors) {
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.field?.[0]).toBe('input');
  }
  const written = userErrors.map(
    (error) => `${(error.field ?? []).slice(1).join('.')}: ${error.message}`,
  );
  expect(
    written.some((line) => mentions.test(line)),
    written.join('\n'),
  ).toBe(true);
}

/**
 * Follows a streamed generation to its end and checks what a streaming client relies on: no
 * subscription error, more than `moreDeltasThan` deltas, events numbered 0, 1, 2... in order, and a
 * last event that carries no delta but the SUCCEEDED generation, whose text is the deltas
 * concatenated.
 */
export async function expectCompleteStream(
  server: TestServer,
  id: string,
  moreDeltasThan: number,
): Promise<StreamEventShape[]> {
  const { events, errors } = await collectStream(server.wsClient(), id);
  expect(errors).toBeUndefined();
  const deltas = events.filter((event) => event.delta !== null);
  expect(deltas.length).toBeGreaterThan(moreDeltasThan);
  expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index));
  const last = events.at(-1)!;
  expect(last.delta).toBeNull();
  expect(last.generation!.status).toBe('SUCCEEDED');
  expect(deltas.map((event) => event.delta).join('')).toBe(last.generation!.text);
  return events;
}

/** A test server whose tests use the builtin provider; `server` is set once the describe's beforeAll has run. */
export interface BuiltinServer {
  server: TestServer;
}

/** Call inside a describe: starts a test server with the builtin provider (plus `env`) and stops it afterwards. */
export function serverWithBuiltinProvider(env: Record<string, string> = {}): BuiltinServer {
  const builtin = {} as BuiltinServer;
  beforeAll(async () => {
    builtin.server = await startTestServer(env);
  });
  afterAll(() => builtin.server.stop());
  return builtin;
}

/** The OpenAI double and the server that calls it; both are set once the describe's beforeAll has run. */
export interface OpenAiBackedServer {
  double: OpenAiDouble;
  server: TestServer;
}

/**
 * Call inside a describe: starts the OpenAI double and a test server whose OpenAI provider points
 * at it (plus `env`), stops both afterwards, and restores the double's default reply after each
 * test so a test that changes it cannot leak into the next.
 */
export function serverWithOpenAiDouble(env: Record<string, string> = {}): OpenAiBackedServer {
  const backed = {} as OpenAiBackedServer;
  beforeAll(async () => {
    backed.double = await startOpenAiDouble();
    backed.server = await startTestServer({
      OPENAI_BASE_URL: backed.double.url,
      OPENAI_API_KEY: 'test-key',
      ...env,
    });
  });
  afterAll(async () => {
    await backed.server.stop();
    await backed.double.close();
  });
  afterEach(() => backed.double.setDefault({ kind: 'text', text: 'Hello from the double.' }));
  return backed;
}

/** The system and user messages of the last chat request the OpenAI double received. */
export function lastPrompt(double: OpenAiDouble): { system: string; user: string } {
  const messages = double.requests.at(-1)!.body!.messages!;
  return { system: String(messages[0]!.content), user: String(messages[1]!.content) };
}
