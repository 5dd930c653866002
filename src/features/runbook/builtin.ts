/**
 * The offline runbook: the catalog template that best matches the request by BM25, filled with
 * the facts the request states. Anything the request does not state stays a `<placeholder>`, and
 * when no template matches well enough the draft says so, with the closest candidates, instead of
 * inventing a procedure.
 */
import type { DraftContext } from '../capability.js';
import { Bm25Index, type Scored } from '../shared/lexical-index.js';
import { CATALOG, type RunbookTemplate, type TemplateStep } from './catalog.js';
import { extractFacts, type Facts } from './facts.js';
import type { RunbookInput } from './input.js';
import {
  NO_MATCH_NAME,
  formatRunbook,
  type CandidateNotes,
  type RunbookOutput,
  type RunbookParameter,
} from './output.js';
import { analyze } from './retrieval.js';

/**
 * What counts as a match: a BM25 score of at least MIN_MATCH_SCORE from at least
 * MIN_MATCHED_TERMS distinct request terms. Calibrated on the phrasings of
 * test/features/runbook/retrieval.test.ts: every on-topic request there scores 5.3 or more
 * from two terms or more. Off-topic requests that share a single operational word ("restore my
 * deleted photos", "drain the pool and clean the filter") reach 5.65, which is why one shared
 * word never suffices; off-topic requests sharing two words score 4.84 or less, except contrived
 * ones such as "increase the font size" (6.7), the known limit of lexical retrieval.
 */
export const MIN_MATCH_SCORE = 5;
export const MIN_MATCHED_TERMS = 2;

/** How many near misses a no-match answer lists. */
const CLOSEST = 3;

/** What retrieval reads of a template: its title, description and keywords. */
function searchableText(template: RunbookTemplate): string {
  return [template.title, template.description, template.keywords.join(' ')].join('\n');
}

export const templateIndex = new Bm25Index(CATALOG, searchableText, analyze);

export interface Retrieval {
  /** Every template, best first, with its score. */
  ranked: Scored<RunbookTemplate>[];
  /** The chosen template, or undefined when none passes the threshold and the tool filter. */
  match: Scored<RunbookTemplate> | undefined;
}

function toolName(tool: string): string {
  return tool.trim().toLowerCase().replace(/\.sh$/, '');
}

function usesOnly(template: RunbookTemplate, allowed: ReadonlySet<string> | undefined): boolean {
  return !allowed || template.tools.every((tool) => allowed.has(toolName(tool)));
}

export function isMatch(candidate: Scored<RunbookTemplate>): boolean {
  return candidate.score >= MIN_MATCH_SCORE && candidate.matched.length >= MIN_MATCHED_TERMS;
}

export function retrieve(input: RunbookInput): Retrieval {
  const ranked = templateIndex.search(input.request);
  // An empty list restricts nothing, as in the prompt: clients often send [] for "no preference".
  const allowed = input.context?.allowedTools?.length
    ? new Set(input.context.allowedTools.map(toolName))
    : undefined;
  const match = ranked.find((candidate) => isMatch(candidate) && usesOnly(candidate.item, allowed));
  return { ranked, match };
}

const PARAMETER = /\{\{([a-z_]+)\}\}/g;

/** Every `{{parameter}}` a text refers to, in order of appearance. */
export function referencedParameters(text: string): string[] {
  return [...text.matchAll(PARAMETER)].map((match) => match[1]!);
}

/** The template filled with the request's facts: values or `<placeholders>`, and nothing else. */
export function fillTemplate(template: RunbookTemplate, facts: Facts): RunbookOutput {
  const values = new Map<string, string | null>();
  const fromRequest = new Set<string>();
  for (const parameter of template.parameters) {
    const fact = parameter.fact ? facts[parameter.fact] : undefined;
    if (fact !== undefined) fromRequest.add(parameter.name);
    values.set(parameter.name, fact ?? parameter.default ?? null);
  }
  const used = new Set<string>();
  // In prose, a missing value is written as a code span: bare, `<namespace>` reads as an HTML tag
  // to a Markdown renderer and vanishes. Inside commands (already code spans) it stays bare.
  const fill = (text: string, prose: boolean) =>
    text.replace(PARAMETER, (_whole, name: string, offset: number) => {
      if (!values.has(name))
        throw new Error(
          `runbook template ${template.id} refers to an undeclared parameter {{${name}}}`,
        );
      used.add(name);
      const value = values.get(name);
      if (value !== null && value !== undefined) return value;
      const insideCode = (text.slice(0, offset).match(/`/g)?.length ?? 0) % 2 === 1;
      return prose && !insideCode ? `\`<${name}>\`` : `<${name}>`;
    });
  const render = (text: string) => fill(text, true);
  const included = (step: TemplateStep) =>
    (!step.onlyIf || fromRequest.has(step.onlyIf)) &&
    (!step.unless || !fromRequest.has(step.unless));

  const name = render(template.name);
  const preconditions = template.preconditions.map(render);
  const steps = template.steps.filter(included).map((step) => ({
    action: render(step.action),
    command: fill(step.command, false),
    expectedResult: render(step.expectedResult),
    destructive: step.destructive,
  }));
  const rollbackSteps = template.rollback.map(render);
  const parameters: RunbookParameter[] = template.parameters
    .filter((parameter) => used.has(parameter.name))
    .map((parameter) => ({
      name: parameter.name,
      type: parameter.type,
      default: values.get(parameter.name) ?? null,
    }));

  return {
    name,
    description: template.description,
    parameters,
    steps,
    preconditions,
    rollbackSteps,
    riskLevel: template.riskLevel,
    matchedTemplate: template.id,
    noMatch: null,
    closestTemplates: [],
  };
}

/** The request's own words that a template's text also contains, for explaining a near miss. */
function sharedWords(request: string, template: RunbookTemplate): string[] {
  const templateTerms = new Set(analyze(searchableText(template)));
  const words = request.toLowerCase().match(/[a-z0-9]+/g) ?? [];
  return [
    ...new Set(words.filter((word) => analyze(word).some((term) => templateTerms.has(term)))),
  ];
}

function noMatchOutput(
  input: RunbookInput,
  retrieval: Retrieval,
): { output: RunbookOutput; notes: CandidateNotes } {
  const candidates = retrieval.ranked.filter((candidate) => candidate.score > 0).slice(0, CLOSEST);
  const best = retrieval.ranked[0];
  const allowed = input.context?.allowedTools;
  let explanation: string;
  if (best && isMatch(best) && allowed?.length) {
    explanation = `The closest template, "${best.item.title}", uses ${best.item.tools.join(', ')}, which the allowed tools (${allowed.join(', ')}) do not cover; no template within them matches the request.`;
  } else if (candidates.length === 0) {
    explanation = `None of the ${CATALOG.length} runbook templates in the catalog shares a term with the request, so no runbook was drafted rather than inventing one.`;
  } else {
    explanation = `None of the ${CATALOG.length} runbook templates in the catalog matches the request closely enough, so no runbook was drafted rather than inventing one. The closest candidates are listed below.`;
  }
  const notes: CandidateNotes = {};
  for (const candidate of candidates) {
    const words = sharedWords(input.request, candidate.item);
    if (words.length > 0) notes[candidate.item.id] = `shares: ${words.join(', ')}`;
  }
  return {
    output: {
      name: NO_MATCH_NAME,
      description: 'No catalog runbook fits this request.',
      parameters: [],
      steps: [],
      preconditions: [],
      rollbackSteps: [],
      riskLevel: null,
      matchedTemplate: null,
      noMatch: explanation,
      closestTemplates: candidates.map((candidate) => candidate.item.id),
    },
    notes,
  };
}

/**
 * What a runbook may state beyond the request and the prompt: the reference templates filled with
 * the request's facts (their values appear joined, as in `toggle-off`), and the catalog's size.
 */
export function runbookDerivedFacts(input: RunbookInput, references: number): string[] {
  const facts = extractFacts(input.request, input.context);
  const filled = retrieve(input)
    .ranked.slice(0, references)
    .map(({ item }) => formatRunbook(fillTemplate(item, facts)));
  return [...filled, String(CATALOG.length)];
}

/** The runbook as typed output, before it is written as Markdown. */
export function planRunbook(input: RunbookInput): { output: RunbookOutput; notes: CandidateNotes } {
  const retrieval = retrieve(input);
  if (!retrieval.match) return noMatchOutput(input, retrieval);
  return {
    output: fillTemplate(retrieval.match.item, extractFacts(input.request, input.context)),
    notes: {},
  };
}

export function draftRunbookOffline(input: RunbookInput, _context: DraftContext): string {
  const { output, notes } = planRunbook(input);
  return formatRunbook(output, notes);
}
