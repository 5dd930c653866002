/**
 * The services every resolver (and the transport in front of them) receives in its context; the
 * composition root (src/app/services.ts) builds them.
 */
import type { allCapabilities } from '../capabilities/index.js';
import type { GenerationDatasetService } from '../capabilities/evaluation/datasets.js';
import type { FeedbackService } from '../capabilities/evaluation/feedback.js';
import type { ProductionMetricsService } from '../capabilities/evaluation/production.js';
import type { EvaluationService } from '../capabilities/evaluation/service.js';
import type { GenerationQueries } from '../capabilities/generation/generation-queries.js';
import type { GenerationRunner } from '../capabilities/generation/runner.js';
import type { GenerationUpkeep } from '../capabilities/generation/generation-upkeep.js';
import type { BacklogService } from '../capabilities/routing/backlog/service.js';
import type { RoutingService } from '../capabilities/routing/service.js';
import type { LlmGateway } from '../llm/gateway.js';
import type { LlmRouting } from '../llm/routing.js';
import type { Metrics } from '../observability/metrics.js';
import type { ApiKeyService } from '../security/api-key-service.js';
import type { Authenticator } from '../security/authenticate.js';
import type { KeyRevocationWatch } from '../security/api-keys.js';
import type { AuditObserver, DataProtection } from '../security/data-protection/index.js';
import type { AccountLimits } from '../security/limits/index.js';
import type { StreamBus } from '../streams/bus.js';

export interface Services {
  bus: StreamBus;
  gateway: LlmGateway;
  runner: GenerationRunner;
  /** Generations as they are read: by id, by page, per incident, and their event streams. */
  generations: GenerationQueries;
  /** Scale-out: heartbeats this replica's generations, sweeps orphaned ones, follows remote subscribers. */
  upkeep: GenerationUpkeep;
  routing: RoutingService;
  /** Bulk routing: backlogs split in chunks that this replica's workers (and any other's) drain. */
  backlogs: BacklogService;
  llmRouting: LlmRouting;
  authenticator: Authenticator;
  /** Listing, issuing and revoking API keys. */
  apiKeys: ApiKeyService;
  /** Ends websockets whose API key is revoked or expires (see security/api-keys.ts). */
  keyRevocations: KeyRevocationWatch;
  capabilities: typeof allCapabilities;
  metrics: Metrics;
  /** Per-account rate limits (requests, tokens, daily budget, streams). */
  limits: AccountLimits;
  /** The audit log of provider calls: the gateway observer writing its rows, and reading them back. */
  audit: AuditObserver;
  /** The gateway's injection screen and PII detector, also callable on their own (`screenText`). */
  dataProtection: DataProtection;
  /** Evaluation runs, generation datasets, feedback and production quality metrics. */
  evaluation: {
    runs: EvaluationService;
    datasets: GenerationDatasetService;
    feedback: FeedbackService;
    production: ProductionMetricsService;
  };
}
