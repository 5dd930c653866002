/**
 * Domain words shared by every layer. GraphQL enums are generated from the schema; these are the
 * same values, named once so that layers below GraphQL (llm, providers, store) need not import
 * generated resolver types.
 */
export const FEATURES = [
  'RUNBOOK',
  'STATUS_UPDATE',
  'POSTMORTEM',
  'JOB_DIGEST',
  'ASSISTANT',
  'ROUTING',
  'SCREEN',
] as const;
export type Feature = (typeof FEATURES)[number];

export const GENERATION_STATUSES = [
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
  'INTERRUPTED',
] as const;
export type GenerationStatus = (typeof GENERATION_STATUSES)[number];

/** Who a request acts for. Every stored row carries `accountId`; every read filters by it. */
export interface Account {
  id: string;
  scopes: ReadonlySet<string>;
}

/** One try at one provider target, as a generation's record shows it. */
export interface ProviderAttempt {
  provider: string;
  model: string;
  outcome: 'ok' | 'failed' | 'skipped';
  /** A public error code (see errors.ts) when the attempt failed or was skipped. */
  errorCode: string | null;
  latencyMs: number;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

/** A supergraph incident as this subgraph knows it: only its id (the incidents subgraph owns the rest). */
export interface IncidentReference {
  id: string;
}

/** A supergraph ticket as the router hands it over: the id, with the text it `@requires`. */
export interface TicketReference {
  id: string;
  subject?: string | null;
  body?: string | null;
}
