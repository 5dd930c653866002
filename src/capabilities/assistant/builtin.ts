/**
 * The offline assistant: retrieval, not reasoning. It ranks passages of the context items and of
 * the incident (timeline events, notes, alerts, chat) by BM25 against the question, and answers
 * by quoting the best ones with their ids. When no passage covers enough of the question, it says
 * plainly that the data does not hold the answer instead of quoting something loosely related.
 */
import type { DraftContext } from '../capability.js';
import {
  alertId,
  chatId,
  classifyNote,
  noteId,
  oneLine,
  timelineEventId,
  type Incident,
} from '../shared/incident.js';
import {
  LexicalIndex,
  passagesOf,
  type Hit,
  type Passage,
  type QueryPart,
} from '../shared/lexical-index.js';
import type { AssistantInput } from './input.js';
import { NOT_IN_CONTEXT, citation, sourcesLine } from './output.js';

/**
 * A passage answers only if it holds about two thirds of the question's IDF-weighted terms: all
 * of a two-term question's subject, two of three terms of a longer one. Below that, the best
 * passage shares words with the question but not its subject ("who approved the database
 * migration?" matching a runbook line about database migrations, 0.6), and quoting it would be a
 * guess dressed as an answer.
 */
export const MIN_COVERAGE = 0.65;
/** Passages quoted besides the best one must score at least this share of the best score. */
const RELATIVE_SCORE = 0.6;
const MAX_QUOTES = 3;
/** The previous user turn helps rank a follow-up ("and who owns that?") but cannot make it answerable. */
const HISTORY_WEIGHT = 0.5;

interface Source {
  id: string;
  /** Where the passage comes from, as a reader would name it. */
  label: string;
}

function time(at: Date): string {
  return `${at.toISOString().slice(0, 10)} ${at.toISOString().slice(11, 16)} UTC`;
}

function incidentPassages(incident: Incident | null): Passage<Source>[] {
  if (!incident) return [];
  return [
    ...incident.timeline.map((event, index) => ({
      text: oneLine(event.message),
      meta: {
        id: timelineEventId(event, index),
        label: `Timeline, ${time(event.at)}${event.author ? `, ${oneLine(event.author)}` : ''}`,
      },
    })),
    ...incident.notes.map((note, index) => {
      const kind = classifyNote(note).kind;
      const what =
        kind === 'ACTION_ITEM' ? 'Action item' : kind === 'DECISION' ? 'Decision' : 'Note';
      return {
        text: oneLine(note.text),
        meta: {
          id: noteId(index),
          label: `${what}${note.author ? ` by ${oneLine(note.author)}` : ''}${note.at ? `, ${time(note.at)}` : ''}`,
        },
      };
    }),
    ...incident.alerts.map((alert, index) => ({
      text: oneLine(alert.message),
      meta: {
        id: alertId(index),
        label: `Alert${alert.source ? ` from ${oneLine(alert.source)}` : ''}, ${time(alert.at)}`,
      },
    })),
    ...incident.chatExcerpts.map((message, index) => ({
      text: oneLine(message.text),
      meta: { id: chatId(index), label: `Chat, ${oneLine(message.author)}, ${time(message.at)}` },
    })),
  ];
}

function contextPassages(input: AssistantInput): Passage<Source>[] {
  return input.context.flatMap((item) =>
    passagesOf(item.text).map((text) => ({
      text: oneLine(text),
      meta: { id: item.id, label: oneLine(item.kind) },
    })),
  );
}

function queryOf(input: AssistantInput): QueryPart[] {
  const previous = input.history.filter((turn) => turn.role === 'USER').at(-1);
  return [
    { text: input.question, weight: 1, counts: true },
    ...(previous ? [{ text: previous.text, weight: HISTORY_WEIGHT, counts: false }] : []),
  ];
}

/** The passages worth quoting: the best one if it covers enough of the question, and close runners-up. */
export function retrieve(input: AssistantInput): { hits: Hit<Source>[]; searched: number } {
  const index = new LexicalIndex([...contextPassages(input), ...incidentPassages(input.incident)]);
  const ranked = index.search(queryOf(input)).filter((hit) => hit.coverage >= MIN_COVERAGE);
  const best = ranked[0];
  if (!best) return { hits: [], searched: index.size };
  return {
    hits: ranked.filter((hit) => hit.score >= best.score * RELATIVE_SCORE).slice(0, MAX_QUOTES),
    searched: index.size,
  };
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** What was searched, in the input's own counts, so a declined answer shows it looked. */
function searchedDescription(input: AssistantInput): string {
  const parts = [plural(input.context.length, 'context item')];
  if (input.incident) {
    const { timeline, notes, alerts, chatExcerpts } = input.incident;
    parts.push(
      plural(timeline.length, 'timeline event'),
      plural(notes.length, 'note'),
      plural(alerts.length, 'alert'),
      plural(chatExcerpts.length, 'chat message'),
    );
  }
  return parts.join(', ');
}

export function draftAnswerOffline(input: AssistantInput, _context: DraftContext): string {
  const { hits } = retrieve(input);
  if (hits.length === 0) {
    return [
      `${NOT_IN_CONTEXT} I searched ${searchedDescription(input)}, and no passage covers enough of the question to quote as an answer.`,
      '',
      sourcesLine([]),
    ].join('\n');
  }
  const ids = [...new Set(hits.map((hit) => hit.passage.meta.id))];
  return [
    'The passages below match the question best. They are quoted, not interpreted: the builtin provider retrieves, it does not reason.',
    '',
    ...hits.map(
      (hit) =>
        `- ${citation(hit.passage.meta.id)} ${hit.passage.meta.label}: "${hit.passage.text}"`,
    ),
    '',
    sourcesLine(ids),
  ].join('\n');
}

/** Numbers the builtin answer states that are counts of the input, for the grounding check. */
export function assistantDerivedFacts(input: AssistantInput): string[] {
  const counts = [input.context.length];
  if (input.incident)
    counts.push(
      input.incident.timeline.length,
      input.incident.notes.length,
      input.incident.alerts.length,
      input.incident.chatExcerpts.length,
    );
  return counts.map(String);
}
