/**
 * The status update's Markdown layout, shared by the builtin draft, the LLM prompt and the parser:
 * one place defines the headings, so the three cannot drift apart.
 */
import { z } from 'zod';
import { OutputInvalidError } from '../capability.js';
import { AUDIENCES, type StatusUpdateInput } from './input.js';

export const LABELS = {
  status: 'Status',
  impact: 'Impact',
  services: 'Affected services',
  next: 'Next update',
} as const;
export const CHANGES_HEADING = 'What changed since the last update';

export const statusUpdateOutputSchema = z.object({
  audience: z.enum(AUDIENCES),
  headline: z.string().min(1),
  currentStatus: z.string().min(1),
  impact: z.string().min(1),
  affectedServices: z.array(z.string()),
  changesSinceLastUpdate: z.array(z.string()),
  nextUpdateAt: z.date().nullable(),
});

export type StatusUpdateOutput = z.infer<typeof statusUpdateOutputSchema>;

function labelled(text: string, label: string): string | undefined {
  const line = text.split('\n').find((candidate) => candidate.trim().startsWith(`**${label}:**`));
  return (
    line
      ?.trim()
      .slice(label.length + 5)
      .trim() || undefined
  );
}

function listUnder(text: string, heading: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex(
    (line) => line.trim().toLowerCase() === `## ${heading.toLowerCase()}`,
  );
  if (start < 0) return [];
  const items: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const trimmed = line.trim();
    if (trimmed.startsWith('#') || trimmed.startsWith('**')) break;
    if (trimmed.startsWith('- ')) items.push(trimmed.slice(2).trim());
  }
  return items;
}

/** `by 10:00 UTC` or `2026-11-22 10:00 UTC` → a Date on the day of `reference`, or null. */
function parseNextUpdate(value: string | undefined, reference: Date): Date | null {
  const match = value?.match(/(?:(\d{4}-\d{2}-\d{2}) )?(\d{2}):(\d{2}) UTC/);
  if (!match) return null;
  const day = match[1] ?? reference.toISOString().slice(0, 10);
  const parsed = new Date(`${day}T${match[2]}:${match[3]}:00Z`);
  return Number.isNaN(parsed.getTime()) ? null : parsed;
}

export function parseStatusUpdate(
  text: string,
  input: StatusUpdateInput,
  now: Date = new Date(),
): StatusUpdateOutput {
  const headline = text
    .split('\n')
    .find((line) => line.startsWith('# '))
    ?.slice(2)
    .trim();
  const services = labelled(text, LABELS.services);
  const candidate = {
    audience: input.audience,
    headline,
    currentStatus: labelled(text, LABELS.status),
    impact: labelled(text, LABELS.impact),
    affectedServices: services
      ? services
          .split(',')
          .map((name) => name.trim())
          .filter(Boolean)
      : [],
    changesSinceLastUpdate: listUnder(text, CHANGES_HEADING),
    nextUpdateAt:
      input.incident.status === 'RESOLVED'
        ? null
        : parseNextUpdate(labelled(text, LABELS.next), now),
  };
  const parsed = statusUpdateOutputSchema.safeParse(candidate);
  if (!parsed.success) {
    const missing = parsed.error.issues.map((issue) => issue.path.join('.')).join(', ');
    throw new OutputInvalidError(
      `the status update must start with a "# " headline and have "**${LABELS.status}:**" and "**${LABELS.impact}:**" lines; missing or empty: ${missing}`,
    );
  }
  return parsed.data;
}
