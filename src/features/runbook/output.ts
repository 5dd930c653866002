/**
 * The runbook's Markdown layout, shared by the builtin draft, the LLM prompt and the parser: one
 * place defines the labels, sections and step fields, so the three cannot drift apart.
 *
 *   # <name>
 *   **Description:** ...            **Template:** `<id>` or none
 *   **Risk level:** LOW|MEDIUM|HIGH  (or **No match:** <why>, with ## Closest templates)
 *   ## Parameters / ## Preconditions / ## Steps (numbered, with Command, Expected result,
 *   Destructive sub-items) / ## Rollback
 */
import { z } from 'zod';
import { draftReading, type DraftReading } from '../capability.js';
import {
  blocksUnder,
  codeSpan,
  column,
  entries,
  field,
  isPlaceholder,
  keyedAs,
  named,
  outline,
  section,
  statement,
  subsections,
  tableRows,
  type Block,
  type Line,
  type Outline,
  type Section,
} from '../shared/markdown.js';
import { RISK_LEVELS, templateById } from './catalog.js';
import type { RunbookInput } from './input.js';

export const LABELS = {
  description: 'Description',
  template: 'Template',
  risk: 'Risk level',
  noMatch: 'No match',
} as const;

export const SECTIONS = {
  parameters: 'Parameters',
  preconditions: 'Preconditions',
  steps: 'Steps',
  rollback: 'Rollback',
  closest: 'Closest templates',
} as const;

export const STEP_FIELDS = {
  command: 'Command',
  expected: 'Expected result',
  destructive: 'Destructive',
} as const;

/** The Template line's value when the runbook follows no catalog template. */
export const NO_TEMPLATE = 'none';
export const NO_MATCH_NAME = 'No matching runbook';

const parameterSchema = z.object({
  name: z.string().min(1),
  type: z.string().min(1),
  /** The value from the request or the template; null when the operator must supply it. */
  default: z.string().nullable(),
});

const stepSchema = z.object({
  action: z.string().min(1),
  command: z.string().min(1).nullable(),
  expectedResult: z.string().min(1).nullable(),
  destructive: z.boolean(),
});

export const runbookOutputSchema = z.object({
  name: z.string().min(1).nullable(),
  description: z.string().min(1).nullable(),
  parameters: z.array(parameterSchema),
  steps: z.array(stepSchema),
  preconditions: z.array(z.string().min(1)),
  rollbackSteps: z.array(z.string().min(1)),
  riskLevel: z.enum(RISK_LEVELS).nullable(),
  matchedTemplate: z.string().min(1).nullable(),
  noMatch: z.string().min(1).nullable(),
  closestTemplates: z.array(z.string().min(1)),
});

export type RunbookParameter = z.infer<typeof parameterSchema>;
export type RunbookStep = z.infer<typeof stepSchema>;
export type RunbookOutput = z.infer<typeof runbookOutputSchema>;
/**
 * A runbook as read from a model's answer, with what a person must still fill in: `name`,
 * `description`, `steps`, `riskLevel`, `steps[<n>].command`, `parameters.<name>`, ...
 */
export type RunbookReading = RunbookOutput & { needsHuman: string[] };

const placeholder = (name: string) => `<${name}>`;

/** Optional notes per closest template id (what it shares with the request). */
export type CandidateNotes = Record<string, string>;

export function formatRunbook(output: RunbookOutput, notes: CandidateNotes = {}): string {
  const lines: string[] = [`# ${output.name ?? NO_MATCH_NAME}`, ''];
  lines.push(`**${LABELS.description}:** ${output.description}`);
  lines.push(
    `**${LABELS.template}:** ${output.matchedTemplate ? codeSpan(output.matchedTemplate) : NO_TEMPLATE}`,
  );
  if (output.riskLevel) lines.push(`**${LABELS.risk}:** ${output.riskLevel}`);
  if (output.noMatch) lines.push(`**${LABELS.noMatch}:** ${output.noMatch}`);
  if (output.parameters.length > 0) {
    lines.push('', `## ${SECTIONS.parameters}`);
    for (const parameter of output.parameters) {
      const value = parameter.default ?? placeholder(parameter.name);
      const missing =
        parameter.default === null ? ' (not in the request: fill in before running)' : '';
      lines.push(`- ${codeSpan(parameter.name)} (${parameter.type}): ${codeSpan(value)}${missing}`);
    }
  }
  if (output.preconditions.length > 0) {
    lines.push('', `## ${SECTIONS.preconditions}`);
    for (const condition of output.preconditions) lines.push(`- ${condition}`);
  }
  if (output.steps.length > 0) {
    lines.push('', `## ${SECTIONS.steps}`);
    output.steps.forEach((step, index) => {
      lines.push(`${index + 1}. ${step.action}`);
      if (step.command) lines.push(`   - ${STEP_FIELDS.command}: ${codeSpan(step.command)}`);
      if (step.expectedResult) lines.push(`   - ${STEP_FIELDS.expected}: ${step.expectedResult}`);
      lines.push(`   - ${STEP_FIELDS.destructive}: ${step.destructive ? 'yes' : 'no'}`);
    });
  }
  if (output.rollbackSteps.length > 0) {
    lines.push('', `## ${SECTIONS.rollback}`);
    for (const step of output.rollbackSteps) lines.push(`- ${step}`);
  }
  if (output.closestTemplates.length > 0) {
    lines.push('', `## ${SECTIONS.closest}`);
    for (const id of output.closestTemplates) {
      const title = templateById(id)?.title;
      const note = notes[id];
      lines.push(`- ${codeSpan(id)}${title ? `: ${title}` : ''}${note ? ` (${note})` : ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The names models give each part of a runbook, the layout's own first. */
const NAMES = {
  description: [
    LABELS.description,
    'Purpose',
    'Summary',
    'Overview',
    'Goal',
    'Objective',
    'When to use',
    'Scope',
  ],
  template: [
    LABELS.template,
    'Template id',
    'Based on template',
    'Catalog template',
    'Source template',
    'Matched template',
    'Reference template',
  ],
  risk: [LABELS.risk, 'Risk', 'Overall risk', 'Risk assessment', 'Risk rating', 'Severity'],
  noMatch: [LABELS.noMatch, 'No matching template'],
  parameters: [
    SECTIONS.parameters,
    'Inputs',
    'Variables',
    'Parameters and values',
    'Configuration',
  ],
  preconditions: [
    SECTIONS.preconditions,
    'Prerequisites',
    'Pre-requisites',
    'Before you start',
    'Before you begin',
    'Requirements',
    'Pre-checks',
    'Prechecks',
    'Pre-flight checks',
  ],
  steps: [
    SECTIONS.steps,
    'Procedure',
    'Runbook steps',
    'Instructions',
    'Execution steps',
    'Remediation steps',
    'Step-by-step',
    'Step by step instructions',
    'Actions',
    'Runbook',
  ],
  rollback: [
    SECTIONS.rollback,
    'Rollback steps',
    'Rollback plan',
    'Rollback procedure',
    'Undo',
    'Revert',
    'Reverting',
    'Back out',
    'Backout plan',
    'If something goes wrong',
  ],
  closest: [SECTIONS.closest, 'Closest matches', 'Similar templates', 'Nearest templates'],
  command: [STEP_FIELDS.command, 'Commands', 'Run', 'Cmd', 'Execute', 'Script', 'API call', 'Code'],
  expected: [
    STEP_FIELDS.expected,
    'Expected',
    'Expected outcome',
    'Expected output',
    'Result',
    'Verify',
    'Verification',
    'Validation',
    'Success criteria',
    'Check',
    'You should see',
  ],
  destructive: [STEP_FIELDS.destructive, 'Destructive step', 'Disruptive', 'Destructive?'],
  action: ['Action', 'Step', 'Description', 'Task', 'What'],
} as const;

const STEP_PREFIX = /^(?:step\s*\d+[a-z]?\s*[:.)\-–—]?\s*|\d+[.)]\s+)/i;
// Verbs that change or disrupt what runs: a step doing one of these is destructive unless it says otherwise.
const DISRUPTIVE =
  /\b(?:restart|rollout\s+(?:restart|undo)|roll\s*back|delete|drain|cordon|scale|failover|fail\s+over|promote|kill|reboot|rm\s|drop|truncate|flush|purge|apply|patch|set\s+image|terminate|stop|disable|revoke|rotate|migrate|restore|update-service|force-new-deployment)\b/i;

const bare = (value: string) => value.replace(/^[`*_\s]+|[`*_\s.]+$/g, '');

function stepAction(text: string): string {
  return text
    .replace(STEP_PREFIX, '')
    .replace(/[\s:]+$/, '')
    .trim();
}

function yesNo(value: string): boolean | undefined {
  if (/^(?:yes|true|y)\b/i.test(value.trim())) return true;
  if (/^(?:no|false|n|none)\b/i.test(value.trim())) return false;
  return undefined;
}

/** Reads one step from its first line and the blocks under it (sub-items, lines, code fences). */
function readStep(headline: Line, blocks: readonly Block[]): RunbookStep {
  let command: string | null = null;
  let expectedResult: string | null = null;
  let destructive: boolean | undefined;
  const visit = (list: readonly Block[]) => {
    for (const block of list) {
      if (block.kind === 'code') {
        command ??= block.text.trim() || null;
        continue;
      }
      if (block.kind === 'table') continue;
      // `Command: x`, or `Command — x` as a bold label with a dash reads once its emphasis is gone.
      const label = /^([^:—–]{1,40}?)(?::|\s[—–-]\s)\s*(.*)$/.exec(block.text);
      if (label && named(label[1]!, NAMES.command))
        command ??= block.spans[0] ?? (bare(label[2]!) || null);
      else if (label && named(label[1]!, NAMES.expected))
        expectedResult ??= label[2]!.trim() || null;
      else if (label && named(label[1]!, NAMES.destructive)) destructive ??= yesNo(label[2]!);
      else if (block.spans[0] && command === null) command = block.spans[0];
      else if (
        !label &&
        expectedResult === null &&
        /^(?:expect|you should see|should|verify|confirm)/i.test(block.text)
      )
        expectedResult = block.text;
      if (block.kind === 'item') visit(block.children);
    }
  };
  visit(blocks);
  // The command may sit on the step's own line: "Restart the pods: `kubectl rollout restart ...`".
  command ??= headline.spans.find((span) => /\s/.test(span)) ?? null;
  let action = stepAction(headline.text);
  if (command && action.includes(command))
    action =
      action
        .replace(codeSpan(command), '')
        .replace(command, '')
        .replace(/[\s:—–-]+$/, '')
        .trim() || action;
  const marked =
    /\b(?:destructive|disruptive)\b/i.test(headline.text) &&
    !/\bnon-?destructive\b/i.test(headline.text);
  return {
    action: action || headline.text,
    command,
    expectedResult,
    destructive: destructive ?? (marked || DISRUPTIVE.test(`${action} ${command ?? ''}`)),
  };
}

function readSteps(doc: Outline, heading: Section | undefined): RunbookStep[] {
  // Steps as `### Step 1: ...` headings, under the Steps section or on their own.
  const stepHeadings = (heading ? subsections(doc, heading) : doc.sections).filter(
    (candidate) =>
      /^(?:step\s*\d+|\d+[.)]?\s)/i.test(candidate.heading) ||
      (heading !== undefined && candidate.level === heading.level + 1),
  );
  if (stepHeadings.length > 0)
    return stepHeadings.map((candidate) =>
      readStep({ text: candidate.heading, spans: [] }, blocksUnder(doc, candidate)),
    );
  if (!heading) return [];
  const blocks = heading.blocks;
  const rows = tableRows(blocks);
  if (rows.length > 0)
    return rows.map((row) => {
      const action =
        column(row, NAMES.action) ??
        Object.values(row).find((cell) => cell && !/^\d+$/.test(cell)) ??
        '';
      const command = column(row, NAMES.command);
      const expected = column(row, NAMES.expected);
      const destructive = column(row, NAMES.destructive);
      return {
        action: stepAction(action),
        command: command ? bare(command) : null,
        expectedResult: expected ?? null,
        destructive:
          (destructive ? yesNo(destructive) : undefined) ??
          DISRUPTIVE.test(`${action} ${command ?? ''}`),
      };
    });
  // Items, each with what follows it until the next item (a fence often sits between items). A
  // `Step 2: ...` or `2. ...` line is an item too: after a fence a list numbered from 2 cannot
  // start in Markdown, and reads as a line of the paragraph before it.
  const steps: RunbookStep[] = [];
  const starts = (block: Block) =>
    block.kind === 'item' || (block.kind === 'line' && STEP_PREFIX.test(block.text));
  blocks.forEach((block, index) => {
    if (!starts(block)) return;
    const next = blocks.findIndex((other, at) => at > index && starts(other));
    const trailing = blocks.slice(index + 1, next < 0 ? undefined : next);
    const children = block.kind === 'item' ? block.children : [];
    steps.push(readStep(block as Line, [...children, ...trailing]));
  });
  return steps;
}

const PARAMETER = /^(?:`([^`]+)`|([\w.-]+))\s*(?:\(([^)]*)\))?\s*(?:[:=]|[—–-]\s)\s*(.*)$/;

function readParameters(doc: Outline, heading: Section | undefined): RunbookParameter[] {
  if (!heading) return [];
  const blocks = blocksUnder(doc, heading);
  const tabled = tableRows(blocks).map((row) => {
    const name = bare(
      column(row, ['Name', 'Parameter', 'Variable', 'Key']) ?? Object.values(row)[0] ?? '',
    );
    const value = bare(column(row, ['Value', 'Default', 'Default value', 'Example']) ?? '');
    return { name, type: bare(column(row, ['Type']) ?? '') || 'string', value };
  });
  const listed = blocks.flatMap((block) => {
    if (block.kind !== 'item' && block.kind !== 'line') return [];
    const match = PARAMETER.exec(block.text);
    if (!match) return [];
    // Written as `- name (type): value`; the value is its code span when it has one.
    const value =
      block.spans.length > 1 ? block.spans[1]! : bare(match[4]!.replace(/\s*\(.*\)\s*$/, ''));
    return [{ name: (match[1] ?? match[2]!).trim(), type: match[3]?.trim() || 'string', value }];
  });
  return [...listed, ...tabled]
    .filter((parameter) => parameter.name)
    .map(({ name, type, value }) => ({
      name: name.replace(/^<|>$/g, '').replace(/^\{\{|\}\}$/g, ''),
      type,
      default: !value || value === placeholder(name) || isPlaceholder(value) ? null : value,
    }));
}

function listOf(doc: Outline, heading: Section | undefined): string[] {
  if (!heading) return [];
  const blocks = blocksUnder(doc, heading);
  const listed = entries(blocks);
  return listed.length > 0
    ? listed
    : blocks.flatMap((block) =>
        block.kind === 'code' ? block.text.split('\n').filter((line) => line.trim()) : [],
      );
}

function templateOf(doc: Outline): string | null {
  const value = field(doc, NAMES.template);
  if (!value) return null;
  const id = value.spans[0] ?? bare(value.text.split(/\s+\(|\s+—|\s+-\s|,/)[0]!);
  // An id the catalog does not hold is no template this service can vouch for.
  return templateById(id) ? id : null;
}

function riskOf(doc: Outline): RunbookOutput['riskLevel'] {
  const value = statement(doc, NAMES.risk)?.toUpperCase();
  const level = value?.match(/\b(LOW|MEDIUM|HIGH|MODERATE|CRITICAL|ELEVATED)\b/)?.[1];
  if (level === 'MODERATE' || level === 'ELEVATED') return 'MEDIUM';
  if (level === 'CRITICAL') return 'HIGH';
  return (level as RunbookOutput['riskLevel']) ?? null;
}

const ALL_NAMES = Object.values(NAMES).flat();
const TITLE_LABELS = ['Runbook', 'Title', 'Name', 'Runbook name'];

/** Reads any reasonable Markdown runbook into typed output; never throws. */
export function parseRunbook(text: string, _input?: RunbookInput): DraftReading<RunbookReading> {
  const doc = outline(text);
  const titled = doc.sections.find(
    (candidate) =>
      candidate.heading &&
      !keyedAs(candidate.key, ALL_NAMES) &&
      !STEP_PREFIX.test(candidate.heading),
  );
  const noMatchHeading = titled && keyedAs(titled.key, [NO_MATCH_NAME]);
  // `RUNBOOK: RESTART CHECKOUT` on a line of its own, in place of a heading.
  const titleLine = field(doc, TITLE_LABELS)?.text;
  const noMatch = field(doc, NAMES.noMatch)?.text ?? null;
  const closest = section(doc, NAMES.closest);
  // The description: labelled, or the first prose line under the title.
  const firstLine = titled?.blocks.find(
    (block) =>
      block.kind === 'line' && !doc.fields.some((f) => `${f.label}: ${f.text}` === block.text),
  );
  const output: RunbookOutput = {
    name: (titled?.heading ?? titleLine)?.replace(/^runbook\s*[:\-–—]\s*/i, '') || null,
    description:
      statement(doc, NAMES.description) ?? (firstLine?.kind === 'line' ? firstLine.text : null),
    parameters: readParameters(doc, section(doc, NAMES.parameters)),
    steps: readSteps(doc, section(doc, NAMES.steps)),
    preconditions: listOf(doc, section(doc, NAMES.preconditions)),
    rollbackSteps: listOf(doc, section(doc, NAMES.rollback)),
    riskLevel: riskOf(doc),
    matchedTemplate: templateOf(doc),
    noMatch: noMatch ?? (noMatchHeading ? (entries(titled.blocks)[0] ?? NO_MATCH_NAME) : null),
    closestTemplates: closest
      ? entries(blocksUnder(doc, closest))
          .map((entry) => bare(entry.split(/[\s:(]/)[0] ?? ''))
          .filter((id) => templateById(id))
      : [],
  };
  const needs: string[] = [];
  if (!output.name) needs.push('name');
  if (!output.description) needs.push('description');
  if (output.noMatch === null) {
    if (output.steps.length === 0) needs.push('steps');
    if (output.riskLevel === null) needs.push('riskLevel');
    output.steps.forEach((step, index) => {
      if (!step.command) needs.push(`steps[${index}].command`);
      if (!step.expectedResult) needs.push(`steps[${index}].expectedResult`);
    });
  }
  for (const parameter of output.parameters)
    if (parameter.default === null) needs.push(`parameters.${parameter.name}`);
  // Without a step (and no reason why none) a runbook is nothing to run: worth one corrective retry.
  return draftReading({ ...output, needsHuman: needs }, ['steps']);
}
