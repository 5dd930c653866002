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
  stem,
  terms,
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
  /** When it was written or happened, for incident passages that carry a time. */
  at?: Date;
  /** Who wrote it, when the data says. */
  author?: string;
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
        at: event.at,
        author: event.author ?? undefined,
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
          at: note.at ?? undefined,
          author: note.author ?? undefined,
        },
      };
    }),
    ...incident.alerts.map((alert, index) => ({
      text: oneLine(alert.message),
      meta: {
        id: alertId(index),
        label: `Alert${alert.source ? ` from ${oneLine(alert.source)}` : ''}, ${time(alert.at)}`,
        at: alert.at,
      },
    })),
    ...incident.chatExcerpts.map((message, index) => ({
      text: oneLine(message.text),
      meta: {
        id: chatId(index),
        label: `Chat, ${oneLine(message.author)}, ${time(message.at)}`,
        at: message.at,
        author: message.author,
      },
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

const WHO = /^\s*who(?:'s|\s)/i;
const WHEN = /^\s*(?:when|at what time|what time)\b/i;
// A capitalised name opening a message and doing something: "Alice failed over the primary".
const ACTOR = /^([A-Z][a-z]+(?: [A-Z][a-z]+)?) (?:[a-z]+ed|did|ran|took|made|began|led|is|was)\b/;
/** Who-questions match a passage on fewer words than BM25 coverage needs: all, or two of three. */
const WHO_COVERAGE = 0.66;
// "Patroni could not fail over": a passage saying something did not happen names no one who did it.
const NEGATED = /\b(?:not|never|no longer|without)\b|n't\b/i;

/** The people the incident names: responders, and the authors of chat messages and notes. */
function peopleOf(incident: Incident): string[] {
  const names = [
    ...incident.responders.map((responder) => responder.name),
    ...incident.chatExcerpts.map((message) => message.author),
    ...incident.notes.flatMap((note) => (note.author ? [note.author] : [])),
  ];
  return [...new Set(names.map(oneLine))];
}

/**
 * The person a passage names as acting: someone the incident knows named in its text (by full or
 * first name), a capitalised name opening it ("Alice failed over ..."), else its author when the
 * author is one of the incident's people (not a bot such as "PagerDuty").
 */
function actorOf(passage: Passage<Source>, people: readonly string[]): string | undefined {
  const named = people.find((person) =>
    new RegExp(`\\b${person.split(' ')[0]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`).test(
      passage.text,
    ),
  );
  if (named) return passage.text.includes(named) ? named : named.split(' ')[0];
  const actor = ACTOR.exec(passage.text)?.[1];
  if (actor) return actor;
  const author = passage.meta.author && oneLine(passage.meta.author);
  return author && people.includes(author) ? author : undefined;
}

/** Terms of a passage, plus adjacent pairs joined, so "failed over" also reads as "failover". */
function matchableTerms(text: string): Set<string> {
  const words = text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  const found = new Set(terms(text));
  for (let index = 0; index + 1 < words.length; index += 1) {
    found.add(stem(`${stem(words[index]!)}${words[index + 1]}`));
    found.add(stem(`${words[index]}${words[index + 1]}`));
  }
  return found;
}

/**
 * Incident passages about what a who-question asks when retrieval found none: BM25 needs the
 * question's exact terms, and "who did the failover?" is answered by "Alice failed over ...".
 */
function looseWhoMatches(input: AssistantInput): Passage<Source>[] {
  const wanted = terms(input.question.replace(WHO, ' '));
  if (!input.incident || wanted.length === 0) return [];
  return incidentPassages(input.incident)
    .filter((passage) => {
      const available = matchableTerms(passage.text);
      return wanted.filter((term) => available.has(term)).length / wanted.length >= WHO_COVERAGE;
    })
    .slice(0, MAX_QUOTES);
}

/** "**Alice** [t3], then **Bob** [t5]": the people the passages name as acting, with citations. */
function actorsLine(passages: readonly Passage<Source>[], incident: Incident): string | null {
  const people = peopleOf(incident);
  const cited = new Map<string, string[]>();
  for (const passage of passages) {
    const actor = NEGATED.test(passage.text) ? undefined : actorOf(passage, people);
    if (actor) cited.set(actor, [...(cited.get(actor) ?? []), citation(passage.meta.id)]);
  }
  if (cited.size === 0) return null;
  return `${[...cited].map(([actor, ids]) => `**${actor}** ${ids.join(' ')}`).join(', then ')}, according to the incident data quoted below.`;
}

/** The answer's first line for who- and when-questions, when the passages give one. */
function leadOf(input: AssistantInput, passages: readonly Passage<Source>[]): string | null {
  if (input.incident && WHO.test(input.question)) return actorsLine(passages, input.incident);
  const first = passages[0]!.meta;
  if (WHEN.test(input.question) && first.at)
    return `The best match was recorded at ${time(first.at)} ${citation(first.id)}.`;
  return null;
}

export function draftAnswerOffline(input: AssistantInput, _context: DraftContext): string {
  const { hits } = retrieve(input);
  const passages =
    hits.length > 0 || !WHO.test(input.question)
      ? hits.map((hit) => hit.passage)
      : looseWhoMatches(input);
  if (passages.length === 0) {
    return [
      `${NOT_IN_CONTEXT} I searched ${searchedDescription(input)}, and no passage covers enough of the question to quote as an answer.`,
      '',
      sourcesLine([]),
    ].join('\n');
  }
  const ids = [...new Set(passages.map((passage) => passage.meta.id))];
  const lead = leadOf(input, passages);
  return [
    ...(lead ? [lead, ''] : []),
    'The passages below match the question best. They are quoted, not interpreted: the builtin provider retrieves, it does not reason.',
    '',
    ...passages.map(
      (passage) => `- ${citation(passage.meta.id)} ${passage.meta.label}: "${passage.text}"`,
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
