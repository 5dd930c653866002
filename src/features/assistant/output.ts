/**
 * The assistant answer's Markdown layout, shared by the builtin draft, the LLM prompt and the
 * parser: the answer, citing sources inline as `[id]`, then one `**Sources:**` line naming every
 * source used — or the fixed sentence that says the data does not hold the answer. Models also
 * list sources as bullets, under a heading, with other names, or cite only inline: all are read.
 */
import { z } from 'zod';
import type { GroundingIssueRecord } from '../../infra/store/generations.js';
import { draftReading, type DraftReading } from '../capability.js';
import { entries, keyedAs, outline, subsections, unfencedText } from '../shared/markdown.js';
import { incidentSourceIds, type AssistantInput } from './input.js';

export const SOURCES_LABEL = 'Sources';
/** The Sources line of an answer that cites nothing. */
export const NO_SOURCES = 'none';
/** The opening of every answer that declines, so clients and the parser can tell it apart. */
export const NOT_IN_CONTEXT =
  'The incident data and context I was given do not hold the answer to this question.';

export function citation(id: string): string {
  return `[${id}]`;
}

export function sourcesLine(ids: readonly string[]): string {
  return `**${SOURCES_LABEL}:** ${ids.length > 0 ? ids.map(citation).join(', ') : NO_SOURCES}`;
}

export const assistantAnswerOutputSchema = z.object({
  answer: z.string().min(1),
  citations: z.array(z.string().min(1)),
  answered: z.boolean(),
  /** `citations` when an answer cites nothing: a person must check where its facts come from. */
  needsHuman: z.array(z.string()),
});

export type AssistantAnswerOutput = z.infer<typeof assistantAnswerOutputSchema>;

const SOURCE_NAMES = [
  SOURCES_LABEL,
  'Source',
  'References',
  'Citations',
  'Cited sources',
  'Refs',
  'Sources used',
];

// Phrases that decline for want of data, as models write them beside the layout's own sentence.
const DECLINES =
  /^(?:the (?:incident )?(?:data|context)[^.]*(?:does not|doesn't) (?:hold|contain|include|say)|i (?:do not|don't) have enough information|there is no information|(?:the )?(?:provided )?(?:context|data) (?:does not|doesn't))/i;

/**
 * Reads an answer into typed output; never throws. Citations come from the sources list (a line,
 * a list or a section) and from `[id]` inline; an id the input does not hold is a made-up source:
 * left out of `citations` and reported.
 */
export function parseAssistantAnswer(
  text: string,
  input: AssistantInput,
): DraftReading<AssistantAnswerOutput> {
  // A fence around the whole answer is layout, not part of the answer.
  const plain = unfencedText(text.replace(/\r\n?/g, '\n')).trimEnd();
  const doc = outline(plain);
  const known = new Set([
    ...incidentSourceIds(input.incident),
    ...input.context.map((item) => item.id),
  ]);
  const line = [...doc.fields].reverse().find((candidate) => keyedAs(candidate.key, SOURCE_NAMES));
  const heading = [...doc.sections]
    .reverse()
    .find((candidate) => keyedAs(candidate.key, SOURCE_NAMES));
  const listed = [
    line?.text ?? '',
    ...(heading
      ? entries([heading, ...subsections(doc, heading)].flatMap((nested) => nested.blocks))
      : []),
  ].join('\n');
  // The answer is all that comes before its sources.
  const cut = Math.max(
    line
      ? plain.search(
          new RegExp(`^.*\\b${line.label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b.*:`, 'im'),
        )
      : -1,
    heading
      ? plain.search(
          new RegExp(
            `^\\s*(?:#{1,4}\\s*|\\*\\*)\\W*${heading.heading.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
            'im',
          ),
        )
      : -1,
  );
  const answer = (cut > 0 ? plain.slice(0, cut) : plain).trim() || plain.trim();
  const cited = [
    ...[...listed.matchAll(/\[([^\]\s]+)\]/g)].map((match) => match[1]!),
    // Bare ids (`- timeline:3`, `` `runbook-db` ``, `note:1, chat:2`).
    ...listed
      .split(/[\s`,;()*]+/)
      .map((id) => id.replace(/:$/, ''))
      .filter((id) => known.has(id)),
    ...[...answer.matchAll(/\[([^\]\s]+)\](?!\()/g)].map((match) => match[1]!),
  ];
  const unique = [...new Set(cited)].filter(
    (id) => (id.toLowerCase() !== NO_SOURCES && !/^\d+$/.test(id)) || known.has(id),
  );
  const ungrounded: GroundingIssueRecord[] = unique
    .filter((id) => !known.has(id))
    .map((id) => ({ kind: 'SOURCE', value: citation(id) }));
  const citations = unique.filter((id) => known.has(id));
  const declined = answer.startsWith(NOT_IN_CONTEXT) || DECLINES.test(answer);
  return draftReading(
    {
      answer,
      citations,
      answered: citations.length > 0 && !declined,
      needsHuman: citations.length === 0 && !declined ? ['citations'] : [],
    },
    [],
    ungrounded,
  );
}
