/**
 * The closed sets that are declared twice: once in the schema (the contract clients see) and once
 * in TypeScript beside the code that owns them (so layers below GraphQL never import generated
 * types). This file is the one place that checks each pair names exactly the same values: adding a
 * value on one side only fails `npm run typecheck` here, naming the enum. A few TypeScript sets
 * are spelled in lower kebab case (`'half-open'`), which the resolvers turn into the schema's
 * `HALF_OPEN`; they are compared through `Screaming`.
 */
import type { ErrorCode } from '../errors.js';
import type { Feature, GenerationStatus, ProviderAttempt } from '../domain.js';
import type { GroundingIssueRecord } from '../infra/store/generations.js';
import type { CONVERSATION_ROLES } from '../features/assistant/input.js';
import type { RiskLevel } from '../features/runbook/catalog.js';
import type { Outcome } from '../features/job-digest/output.js';
import type { INCIDENT_STATUSES, NOTE_KINDS, SEVERITIES } from '../features/shared/incident.js';
import type { AUDIENCES, TONES } from '../features/status-update/input.js';
import type { EditClass } from '../services/evaluation/edit-distance.js';
import type { EvalKind, EvalStatus } from '../infra/store/evaluation/eval-runs.js';
import type { Rating } from '../infra/store/evaluation/feedback.js';
import type { BacklogStatus } from '../infra/store/routing/backlogs.js';
import type { DecidedBy } from '../infra/store/routing/predictions.js';
import type { AuditOutcome } from '../infra/store/audit-log.js';
import type { Bucket } from '../infra/store/evaluation/production-metrics.js';
import type { Drift } from '../services/evaluation/production.js';
import type { BreakerState } from '../llm/policies/breaker.js';
import type { InjectionAction } from '../security/injection/policy.js';
import type { PiiKind } from '../security/pii/kinds.js';
import type { Scope } from '../security/scopes.js';
import type * as Schema from './__generated__/resolvers-types.js';

/** `true` when both unions hold the same members, else `false`. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Compiles only for `true`: the error points at the pair that drifted. */
type InStep<T extends true> = T;
/** `'half-open'` as the schema spells it: `'HALF_OPEN'`. */
type Screaming<S extends string> = S extends `${infer Head}-${infer Tail}`
  ? `${Uppercase<Head>}_${Screaming<Tail>}`
  : Uppercase<S>;

export type EnumsInStep = [
  InStep<Same<ErrorCode, Schema.AiErrorCode>>,
  InStep<Same<Feature, Schema.AiFeature>>,
  InStep<Same<GenerationStatus, Schema.GenerationStatus>>,
  InStep<Same<RiskLevel, Schema.RiskLevel>>,
  InStep<Same<Outcome, Schema.JobOutcome>>,
  InStep<Same<(typeof SEVERITIES)[number], Schema.AiSeverity>>,
  InStep<Same<(typeof INCIDENT_STATUSES)[number], Schema.AiIncidentStatus>>,
  InStep<Same<(typeof NOTE_KINDS)[number], Schema.NoteKind>>,
  InStep<Same<(typeof AUDIENCES)[number], Schema.Audience>>,
  InStep<Same<(typeof TONES)[number], Schema.StatusUpdateTone>>,
  InStep<Same<EditClass, Schema.EditClass>>,
  InStep<Same<EvalKind, Schema.EvalKind>>,
  InStep<Same<EvalStatus, Schema.EvalRunStatus>>,
  InStep<Same<Rating, Schema.AiRating>>,
  InStep<Same<BacklogStatus, Schema.RoutingBacklogStatus>>,
  InStep<Same<DecidedBy, Schema.DecidedBy>>,
  InStep<Same<(typeof CONVERSATION_ROLES)[number], Schema.ConversationRole>>,
  InStep<Same<PiiKind, Schema.PiiKind>>,
  InStep<Same<Screaming<AuditOutcome>, Schema.AuditOutcome>>,
  InStep<Same<Screaming<BreakerState>, Schema.BreakerState>>,
  InStep<Same<Screaming<Bucket>, Schema.MetricsBucket>>,
  InStep<Same<Screaming<InjectionAction>, Schema.ScreeningDecision>>,
  InStep<Same<Screaming<Scope>, Schema.ApiKeyScope>>,
  InStep<Same<GroundingIssueRecord['kind'], Schema.GroundingIssueKind>>,
  InStep<Same<Screaming<ProviderAttempt['outcome']>, Schema.ProviderAttemptOutcome>>,
  InStep<
    Same<
      Drift['metric'] extends infer M
        ? M extends 'acceptanceRate'
          ? 'ACCEPTANCE_RATE'
          : 'ROUTING_ACCURACY'
        : never,
      Schema.DriftMetric
    >
  >,
];
