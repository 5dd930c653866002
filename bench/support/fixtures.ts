/**
 * What the benchmarks send and what the double answers. Copied from test/fixtures/status-update.ts
 * and test/support/llm-config.ts, which cannot be imported here (they reach vitest's `inject`).
 */

/** A status update in the layout the capability parses, as a well-behaved model would write it. */
export const MODEL_STATUS_UPDATE = [
  '# [SEV2] Checkout errors in eu-west-1: Identified',
  '',
  '**Status:** Identified: deploy 2026.11.22-3 of checkout-api is being rolled back.',
  '**Impact:** Checkout errors for some customers since 09:12 UTC.',
  '**Affected services:** checkout-api, payments-gateway',
  '',
  '## What changed since the last update',
  '- 09:25 UTC: rollback of checkout-api started',
  '',
  '**Next update:** by 23:59 UTC.',
].join('\n');

export const checkoutIncident = {
  title: 'Checkout errors in eu-west-1',
  severity: 'SEV2',
  status: 'IDENTIFIED',
  affectedServices: ['checkout-api', 'payments-gateway'],
  timeline: [
    { at: '2026-11-22T09:12:00Z', message: 'Error rate on checkout-api rose above 5%', author: 'alerting' },
    { at: '2026-11-22T09:18:00Z', message: 'Incident declared; Dana Whitfield is incident commander', author: 'Dana Whitfield' },
    { at: '2026-11-22T09:25:00Z', message: 'Deploy 2026.11.22-3 of checkout-api identified as the cause; rollback started', author: 'Ravi Menon' },
  ],
};

export function statusUpdateInput(overrides: Record<string, unknown> = {}) {
  return { audience: 'INTERNAL', incident: checkoutIncident, ...overrides };
}

/** The mutation with a small selection: what a client waiting for the draft needs. */
export const DRAFT = `mutation Draft($input: StatusUpdateInput!) {
  draftStatusUpdate(input: $input) { id status text provider error { code message } }
}`;

export const WATCH = `subscription Watch($id: ID!) {
  generationStream(id: $id) { seq delta generation { id status error { code message } } }
}`;

/** The model name the benchmarks' LLM_CONFIG routes to the double. */
export const BENCH_MODEL = 'gpt-bench';
