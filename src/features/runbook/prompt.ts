/**
 * The runbook prompt: retrieval-augmented. The model gets the catalog templates closest to the
 * request (the same BM25 retrieval the builtin uses) as trusted reference, the request and its
 * context fenced as data, and the exact Markdown layout the parser reads. Bump PROMPT_VERSION
 * with any change to the wording, the layout or the number of templates shown.
 */
import type { ChatMessage } from '../../llm/spec.js';
import type { DraftContext } from '../capability.js';
import { dataInstructions, fenceTag, fenced } from '../shared/fence.js';
import { retrieve } from './builtin.js';
import { RISK_LEVELS } from './catalog.js';
import type { RunbookInput } from './input.js';
import { LABELS, NO_TEMPLATE, SECTIONS, STEP_FIELDS } from './output.js';

export const PROMPT_VERSION = 'runbook/2';

/** How many retrieved templates the model sees. */
export const REFERENCE_TEMPLATES = 4;

export function buildRunbookPrompt(input: RunbookInput, _context: DraftContext): ChatMessage[] {
  const tag = fenceTag();
  const references = retrieve(input)
    .ranked.slice(0, REFERENCE_TEMPLATES)
    .map(({ item }) => ({
      id: item.id,
      title: item.title,
      description: item.description,
      tools: item.tools,
      riskLevel: item.riskLevel,
      parameters: item.parameters.map(({ name, type, default: value }) => ({
        name,
        type,
        ...(value ? { default: value } : {}),
      })),
      preconditions: item.preconditions,
      steps: item.steps.map(({ action, command, expectedResult, destructive }) => ({
        action,
        command,
        expectedResult,
        destructive,
      })),
      rollback: item.rollback,
    }));
  const system = [
    'You write operational runbooks for on-call engineers: short, ordered, copy-pasteable steps.',
    'Start from the closest reference template below when one fits the request, filling its {{parameters}} with values stated in the request or its context.',
    'Use only values from the request, its context or the template: never invent names, regions, hosts, versions, ids or numbers. Where a value is missing, write a placeholder <parameter_name>.',
    'Mark every step that changes or disrupts production (restart, delete, failover, rollout) as destructive.',
    // The tools are the client's words: named inside the fenced context, never in these instructions.
    input.context?.allowedTools?.length
      ? 'Use only the tools listed under "allowedTools" in the context.'
      : 'Prefer the tools the reference templates use.',
    `If no template fits and you cannot write a safe runbook from the request alone, do not invent one: write "# No matching runbook", "**${LABELS.template}:** ${NO_TEMPLATE}" and "**${LABELS.noMatch}:** <why>", then "## ${SECTIONS.closest}" with the closest template ids.`,
    'Otherwise write Markdown in exactly this layout:',
    '# <runbook name>',
    `**${LABELS.description}:** <one sentence>`,
    `**${LABELS.template}:** \`<template id>\` (or ${NO_TEMPLATE})`,
    `**${LABELS.risk}:** <one of ${RISK_LEVELS.join(', ')}>`,
    `## ${SECTIONS.parameters}`,
    '- `<name>` (<type>): `<value, or <name> when the request does not give it>`',
    `## ${SECTIONS.preconditions}`,
    '- <what must be true before starting>',
    `## ${SECTIONS.steps}`,
    '1. <action>',
    `   - ${STEP_FIELDS.command}: \`<command or API call>\``,
    `   - ${STEP_FIELDS.expected}: <what the operator should see>`,
    `   - ${STEP_FIELDS.destructive}: <yes or no>`,
    `## ${SECTIONS.rollback}`,
    '- <how to undo>',
    'Reference templates (trusted, from the service catalog):',
    JSON.stringify(references, null, 2),
    dataInstructions(tag),
  ].join('\n');
  const user = [
    fenced(tag, 'request', input.request),
    ...(input.context ? [fenced(tag, 'context', JSON.stringify(input.context, null, 2))] : []),
  ].join('\n');
  return [
    { role: 'system', content: system },
    { role: 'user', content: user },
  ];
}
