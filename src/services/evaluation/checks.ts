/**
 * Deterministic checks of a generated draft, needing no judge:
 * - validates: the draft succeeded and its text parsed into the capability's typed output;
 * - required sections: each named section appears as a heading or a bold label of its own line
 *   (case-insensitive). The case names them; without, they are the headings of its reference;
 * - grounding: the number of facts absent from the input (`groundingIssues`), which must be 0;
 * - length: words within the case's bounds; without, within half to twice the reference's words.
 * A draft passes the checks when all four hold.
 */

export interface CheckSubject {
  succeeded: boolean;
  text: string;
  groundingIssues: number;
}

export interface CheckCase {
  reference: string | null;
  requiredSections: readonly string[];
  minWords?: number | null;
  maxWords?: number | null;
}

export interface CheckResult {
  validates: boolean;
  requiredSections: string[];
  missingSections: string[];
  groundingIssues: number;
  words: number;
  minWords: number | null;
  maxWords: number | null;
  withinLength: boolean;
  passed: boolean;
}

const countWords = (text: string) => text.split(/\s+/).filter(Boolean).length;

/** Markdown headings (`#` to `######`) of a text, in order. */
export function headingsOf(text: string): string[] {
  return [...text.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)].map((match) => match[1]!.trim());
}

function lineLabel(line: string): string {
  return line
    .replace(/^\s*#{1,6}\s+/, '')
    .replace(/^\s*[*_]{1,2}/, '')
    .trim()
    .toLowerCase();
}

export function checkDraft(subject: CheckSubject, item: CheckCase): CheckResult {
  const required =
    item.requiredSections.length > 0
      ? [...item.requiredSections]
      : item.reference
        ? headingsOf(item.reference)
        : [];
  const labels = subject.text.split('\n').map(lineLabel);
  const missingSections = required.filter(
    (section) => !labels.some((label) => label.startsWith(section.trim().toLowerCase())),
  );
  const words = countWords(subject.text);
  const referenceWords = item.reference ? countWords(item.reference) : null;
  const minWords =
    item.minWords ?? (referenceWords !== null ? Math.floor(referenceWords / 2) : null);
  const maxWords = item.maxWords ?? (referenceWords !== null ? referenceWords * 2 : null);
  const withinLength =
    (minWords === null || words >= minWords) && (maxWords === null || words <= maxWords);
  const validates = subject.succeeded;
  return {
    validates,
    requiredSections: required,
    missingSections,
    groundingIssues: subject.groundingIssues,
    words,
    minWords,
    maxWords,
    withinLength,
    passed:
      validates && missingSections.length === 0 && subject.groundingIssues === 0 && withinLength,
  };
}
