/**
 * The contract every generation capability passes, whatever it drafts (hono's shared router
 * suite, for capabilities):
 *
 *   runCapabilityContract({
 *     capability: statusUpdate,
 *     outputSchema: statusUpdateOutputSchema,
 *     inputs: [{ name: 'bad deploy', input: { audience: 'INTERNAL', incident: badDeploy } }],
 *   });
 *
 * For every input: its builtin draft (what a user gets with no language model configured) reads
 * back through its own parser into the typed output with nothing essential lacking, and states
 * no fact its input does not hold; its prompt carries every free-text field of the input only
 * inside a data fence, where a model is told to treat it as data and never as instructions.
 */
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { DraftContext, GenerationCapability } from '../../src/features/capability.js';
import { reviveDates } from '../../src/services/evaluation/datasets.js';
import { findUngroundedFacts } from '../../src/services/generation/grounding.js';
import type { ChatMessage } from '../../src/llm/spec.js';
import type { GroundingIssueRecord } from '../../src/infra/store/generations.js';

export interface CapabilityContractCase {
  name: string;
  /** As a client sends it (instants may be ISO strings). */
  input: unknown;
  /**
   * Parts the builtin draft leaves to a person because the input cannot ground them (a
   * postmortem's root cause when the data only guesses at it): named in `needsHuman`.
   */
  leavesToAPerson?: readonly string[];
}

export interface CapabilityContractOptions {
  // The contract holds for any input and output types; each capability is checked against its own.
  capability: GenerationCapability<never, unknown>;
  /** The typed output the GraphQL layer serves (`<capability>/output.ts`). */
  outputSchema: z.ZodType<unknown>;
  inputs: readonly CapabilityContractCase[];
  /** The request's time (default 2026-12-07 12:00 UTC). */
  now?: Date;
}

const NOW = new Date('2026-12-07T12:00:00Z');

/**
 * What the runner reports as ungrounded in a draft: facts that are neither in what the model was
 * given (the input and the prompt) nor derived by the capability from the input.
 */
export function ungroundedFactsOf(
  capability: GenerationCapability<never, unknown>,
  input: unknown,
  context: DraftContext,
  draft: string,
): GroundingIssueRecord[] {
  const own = capability as unknown as GenerationCapability<unknown, unknown>;
  return findUngroundedFacts(draft, {
    given: [
      JSON.stringify(input),
      ...own.buildPrompt(input, context).map((message) => message.content),
    ],
    derived: own.derivedFacts?.(input, context),
  });
}

export function runCapabilityContract(options: CapabilityContractOptions): void {
  const capability = options.capability as unknown as GenerationCapability<unknown, unknown>;
  const context: DraftContext = { now: options.now ?? NOW };
  const cases = options.inputs.map((testCase) => [testCase.name, testCase] as const);
  const parse = (raw: unknown) =>
    capability.inputSchema.parse(reviveDates(capability.inputSchema, raw));

  describe(`${capability.feature}: the builtin draft`, () => {
    it.each(cases)(
      '%s: reads back into its typed output, lacking nothing it could hold',
      (_, c) => {
        const input = parse(c.input);
        const draft = capability.draftOffline(input, context);
        const reading = capability.parseOutput(draft, input, context);
        expect(reading.lacking).toEqual([]);
        expect(reading.missing).toEqual(expect.arrayContaining([...(c.leavesToAPerson ?? [])]));
        // Every field of the typed output, with its type; and what a person must fill in, named.
        expect(reading.output).toMatchObject(options.outputSchema.parse(reading.output) as object);
        expect((reading.output as { needsHuman: unknown }).needsHuman).toEqual(reading.missing);
        expect(reading.ungrounded).toEqual([]);
      },
    );

    it.each(cases)('%s: states no fact its input does not hold', (_, c) => {
      const input = parse(c.input);
      const draft = capability.draftOffline(input, context);
      expect(ungroundedFactsOf(options.capability, input, context, draft)).toEqual([]);
    });
  });

  describe(`${capability.feature}: the prompt`, () => {
    it.each(cases)('%s: carries every free-text field of the input only inside a fence', (_, c) => {
      const { input, markers } = markFreeText(capability.inputSchema, c.input);
      expect(markers.size, 'the input has free text to fence').toBeGreaterThan(0);
      const prompt = capability.buildPrompt(input, context);
      const { inside, outside } = splitAtFences(prompt);
      const unfenced = [...markers].filter(([marker]) => outside.includes(marker));
      expect(unfenced.map(([, path]) => path)).toEqual([]);
      // Not vacuous: the input does reach the model, fenced.
      expect([...markers.keys()].some((marker) => inside.includes(marker))).toBe(true);
    });
  });
}

/**
 * The input with a unique marker appended to every string the schema accepts any text in (titles,
 * messages, logs, questions, tool names), leaving enums and instants as they were; and which
 * marker went where.
 */
function markFreeText(
  schema: z.ZodType<unknown>,
  raw: unknown,
): { input: unknown; markers: Map<string, string> } {
  const markers = new Map<string, string>();
  let marked = structuredClone(raw);
  for (const path of stringPaths(raw)) {
    const marker = `zq${markers.size}xw`;
    const attempt = structuredClone(marked);
    setAt(attempt, path, `${getAt(attempt, path) as string}${marker}`);
    if (!schema.safeParse(reviveDates(schema, attempt)).success) continue;
    marked = attempt;
    markers.set(marker, path.join('.'));
  }
  return { input: schema.parse(reviveDates(schema, marked)), markers };
}

type Path = (string | number)[];

function stringPaths(value: unknown, path: Path = []): Path[] {
  if (typeof value === 'string') return [path];
  if (Array.isArray(value))
    return value.flatMap((item, index) => stringPaths(item, [...path, index]));
  if (value && typeof value === 'object' && !(value instanceof Date))
    return Object.entries(value).flatMap(([key, item]) => stringPaths(item, [...path, key]));
  return [];
}

function getAt(value: unknown, path: Path): unknown {
  return path.reduce<unknown>((at, key) => (at as Record<string | number, unknown>)[key], value);
}

function setAt(value: unknown, path: Path, to: unknown): void {
  const parent = getAt(value, path.slice(0, -1)) as Record<string | number, unknown>;
  parent[path.at(-1)!] = to;
}

/** The prompt's text inside data fences (fence.ts: `<data-… label="…">…</data-…>`) and outside. */
function splitAtFences(messages: ChatMessage[]): { inside: string; outside: string } {
  const inside: string[] = [];
  const outside: string[] = [];
  const fence = /<(data-[0-9a-f]+) label="[^"]*">[\s\S]*?<\/\1>/g;
  for (const { content } of messages) {
    inside.push(...[...content.matchAll(fence)].map((match) => match[0]));
    outside.push(content.replace(fence, ''));
  }
  return { inside: inside.join('\n'), outside: outside.join('\n') };
}
