/**
 * The grounding check: facts a draft states — times, dates, identifiers such as service names and
 * versions, people's names, numbers — must be found in what the model was given (the input and
 * the prompt) or in facts the capability derives itself (a promised next-update time). Whatever
 * is not found is reported, never silently dropped: a reviewer sees exactly what to verify.
 */
import type { GroundingIssueRecord } from '../../infra/store/generations.js';

const TIME = /\b([01]\d|2[0-3]):[0-5]\d(?:\s?UTC)?\b/g;
const DATE = /\b\d{4}-\d{2}-\d{2}\b/g;
// kebab/snake/dotted identifiers: checkout-api, us-east-1, 2026.11.22-3, payments_gateway
const IDENTIFIER = /\b[a-z0-9]+(?:[-_.][a-z0-9]+)+\b/gi;
// Two or three capitalised words in a row: Dana Whitfield, Ravi K Menon.
const PERSON = /\b[A-Z][a-z]+(?: [A-Z]\.?)?(?: [A-Z][a-z]+){1,2}\b/g;
const NUMBER = /(?<![\w.:-])\d+(?:\.\d+)?%?(?![\w.:-])/g;

/** Every way an instant in the input may be quoted: ISO, date, `HH:MM`. */
function timeFacts(haystack: string): string[] {
  const facts: string[] = [];
  for (const match of haystack.matchAll(
    /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})/g,
  )) {
    const at = new Date(match[0]);
    if (Number.isNaN(at.getTime())) continue;
    const iso = at.toISOString();
    facts.push(iso.slice(0, 10), iso.slice(11, 16));
  }
  return facts;
}

export interface GroundingSources {
  /** The input and the prompt as the model saw them. */
  given: string[];
  /** Facts the capability derived from the input (e.g. the next-update time). */
  derived?: string[];
}

export function findUngroundedFacts(
  draft: string,
  sources: GroundingSources,
): GroundingIssueRecord[] {
  const haystack = [...sources.given, ...(sources.derived ?? [])].join('\n');
  const lower = haystack.toLowerCase();
  const known = new Set(timeFacts(haystack));
  const issues = new Map<string, GroundingIssueRecord>();
  const report = (kind: GroundingIssueRecord['kind'], value: string) =>
    issues.set(`${kind}:${value}`, { kind, value });

  // Times are checked first and then blanked, so `09:12` is not also read as numbers.
  let rest = draft;
  for (const match of draft.matchAll(TIME)) {
    const hhmm = match[0].slice(0, 5);
    if (!known.has(hhmm) && !lower.includes(hhmm)) report('TIMESTAMP', match[0]);
  }
  rest = rest.replace(TIME, ' ');
  for (const match of rest.matchAll(DATE))
    if (!known.has(match[0]) && !lower.includes(match[0])) report('TIMESTAMP', match[0]);
  rest = rest.replace(DATE, ' ');
  for (const match of rest.matchAll(IDENTIFIER))
    if (!lower.includes(match[0].toLowerCase())) report('SERVICE', match[0]);
  rest = rest.replace(IDENTIFIER, ' ');
  for (const match of rest.matchAll(PERSON))
    if (!lower.includes(match[0].toLowerCase())) report('PERSON', match[0]);
  for (const match of rest.matchAll(NUMBER))
    if (!lower.includes(match[0].toLowerCase())) report('NUMBER', match[0]);
  return [...issues.values()];
}
