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
import { OutputInvalidError } from '../capability.js';
import { codeSpan, labelled, listItems, unCodeSpan } from '../shared/markdown.js';
import { CATALOG, RISK_LEVELS, templateById } from './catalog.js';
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
  command: z.string().min(1),
  expectedResult: z.string().min(1),
  destructive: z.boolean(),
});

export const runbookOutputSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().min(1),
    parameters: z.array(parameterSchema),
    steps: z.array(stepSchema),
    preconditions: z.array(z.string().min(1)),
    rollbackSteps: z.array(z.string().min(1)),
    riskLevel: z.enum(RISK_LEVELS).nullable(),
    matchedTemplate: z.string().min(1).nullable(),
    noMatch: z.string().min(1).nullable(),
    closestTemplates: z.array(z.string().min(1)),
  })
  .superRefine((output, context) => {
    if (output.noMatch !== null) return;
    if (output.steps.length === 0)
      context.addIssue({
        code: 'custom',
        path: ['steps'],
        message: 'a runbook needs at least one step',
      });
    if (output.riskLevel === null)
      context.addIssue({
        code: 'custom',
        path: ['riskLevel'],
        message: `needs a "**${LABELS.risk}:**" of ${RISK_LEVELS.join(', ')}`,
      });
  });

export type RunbookParameter = z.infer<typeof parameterSchema>;
export type RunbookStep = z.infer<typeof stepSchema>;
export type RunbookOutput = z.infer<typeof runbookOutputSchema>;

const placeholder = (name: string) => `<${name}>`;

/** Optional notes per closest template id (what it shares with the request). */
export type CandidateNotes = Record<string, string>;

export function formatRunbook(output: RunbookOutput, notes: CandidateNotes = {}): string {
  const lines: string[] = [`# ${output.name}`, ''];
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
      lines.push(`   - ${STEP_FIELDS.command}: ${codeSpan(step.command)}`);
      lines.push(`   - ${STEP_FIELDS.expected}: ${step.expectedResult}`);
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

/** The lines under each `## ` heading, keyed by the lowercased heading. */
function sections(lines: readonly string[]): Map<string, string[]> {
  const found = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of lines) {
    const heading = line.match(/^##\s+(.+?)\s*#*\s*$/);
    if (heading) {
      current = [];
      found.set(heading[1]!.toLowerCase(), current);
    } else if (current) {
      current.push(line);
    }
  }
  return found;
}

function parseParameters(lines: readonly string[] | undefined): RunbookParameter[] {
  const parameters: RunbookParameter[] = [];
  for (const item of listItems(lines)) {
    const match = item.match(/^(`+)(.+?)\1\s*\(([^)]*)\)\s*:\s*(.*)$/);
    if (!match)
      throw new OutputInvalidError(
        `a parameter must read "- \`name\` (type): \`value\`", got "${item.slice(0, 120)}"`,
      );
    const name = match[2]!.trim();
    const rest = match[4]!.trim();
    const span = rest.match(/^(`+)(.*?)\1/);
    const value = span ? unCodeSpan(span[0]) : rest;
    parameters.push({
      name,
      type: match[3]!.trim() || 'string',
      default: !value || value === placeholder(name) ? null : value,
    });
  }
  return parameters;
}

function parseSteps(lines: readonly string[] | undefined): RunbookStep[] {
  const steps: Partial<RunbookStep & { raw: string }>[] = [];
  for (const line of lines ?? []) {
    const start = line.match(/^\s{0,2}(\d+)[.)]\s+(.*)$/);
    if (start) {
      steps.push({ action: start[2]!.trim(), raw: start[2]! });
      continue;
    }
    const field = line.match(/^\s*[-*]\s+\**([A-Za-z ]+?)\**\s*:\s*(.*)$/);
    const step = steps.at(-1);
    if (!field || !step) continue;
    const name = field[1]!.trim().toLowerCase();
    const value = field[2]!.trim();
    if (name === STEP_FIELDS.command.toLowerCase()) step.command = unCodeSpan(value);
    else if (name === STEP_FIELDS.expected.toLowerCase() || name === 'expected')
      step.expectedResult = value;
    else if (name === STEP_FIELDS.destructive.toLowerCase()) {
      if (/^(?:yes|true)\b/i.test(value)) step.destructive = true;
      else if (/^(?:no|false)\b/i.test(value)) step.destructive = false;
    }
  }
  return steps.map((step, index) => {
    if (!step.command || !step.expectedResult || step.destructive === undefined) {
      throw new OutputInvalidError(
        `step ${index + 1} ("${step.action?.slice(0, 80)}") needs "- ${STEP_FIELDS.command}:", "- ${STEP_FIELDS.expected}:" and "- ${STEP_FIELDS.destructive}: yes|no" sub-items`,
      );
    }
    return {
      action: step.action!,
      command: step.command,
      expectedResult: step.expectedResult,
      destructive: step.destructive,
    };
  });
}

function templateId(value: string | undefined): string | null {
  if (!value) return null;
  const id = unCodeSpan(value.split(/\s+\(|\s+—|\s+-\s/)[0]!.trim());
  if (id.toLowerCase() === NO_TEMPLATE) return null;
  if (!templateById(id))
    throw new OutputInvalidError(
      `"**${LABELS.template}:**" must be ${NO_TEMPLATE} or a catalog template id (${CATALOG.length} known), not "${id.slice(0, 80)}"`,
    );
  return id;
}

export function parseRunbook(text: string, _input?: RunbookInput): RunbookOutput {
  const lines = text.split('\n');
  const name = lines
    .find((line) => /^#\s+\S/.test(line))
    ?.replace(/^#\s+/, '')
    .trim();
  const found = sections(lines);
  // The labelled lines come before the first section; without sections, anywhere.
  const firstSection = lines.findIndex((line) => /^##\s/.test(line));
  const preamble = firstSection > 0 ? lines.slice(0, firstSection) : lines;
  const risk = labelled(preamble, LABELS.risk)
    ?.toUpperCase()
    .match(/\b(LOW|MEDIUM|HIGH)\b/)?.[1];
  const closest = listItems(found.get(SECTIONS.closest.toLowerCase()))
    .map((item) => item.match(/^(`+)(.+?)\1/)?.[2]?.trim())
    .filter((id): id is string => !!id);
  const candidate = {
    name,
    description: labelled(preamble, LABELS.description),
    parameters: parseParameters(found.get(SECTIONS.parameters.toLowerCase())),
    steps: parseSteps(found.get(SECTIONS.steps.toLowerCase())),
    preconditions: listItems(found.get(SECTIONS.preconditions.toLowerCase())),
    rollbackSteps: listItems(found.get(SECTIONS.rollback.toLowerCase())),
    riskLevel: risk ?? null,
    matchedTemplate: templateId(labelled(preamble, LABELS.template)),
    noMatch: labelled(preamble, LABELS.noMatch) ?? null,
    closestTemplates: closest,
  };
  const parsed = runbookOutputSchema.safeParse(candidate);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join('.') || 'output'}: ${issue.message}`)
      .join('; ');
    throw new OutputInvalidError(
      `the runbook must start with a "# " name, have "**${LABELS.description}:**", "**${LABELS.template}:**" and "**${LABELS.risk}:**" lines and a "## ${SECTIONS.steps}" section (or a "**${LABELS.noMatch}:**" line); ${problems}`,
    );
  }
  return parsed.data;
}
