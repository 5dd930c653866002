/**
 * The services every resolver (and the transport in front of them) receives in its context; the
 * composition root (src/app/services.ts) builds them.
 */
import type { allCapabilities } from '../features/index.js';
import type { GenerationDatasetService } from '../services/evaluation/datasets.js';
import type { FeedbackService } from '../services/evaluation/feedback.js';
import type { ProductionMetricsService } from '../services/evaluation/production.js';
import type { EvaluationService } from '../services/evaluation/service.js';
import type { GenerationQueries } from '../services/generation/generation-queries.js';
import type { GenerationRunner } from '../services/generation/runner.js';
import type { GenerationUpkeep } from '../services/generation/generation-upkeep.js';
import type { BacklogService } from '../services/ticket-routing/backlog/service.js';
import type { RoutingService } from '../services/ticket-routing/service.js';
import type { LlmGateway } from '../llm/gateway.js';
import type { ProviderChains } from '../llm/provider-chains.js';
import type { Metrics } from '../infra/observability/metrics.js';
import type { ApiKeyService } from '../security/api-key-service.js';
import type { Authenticator } from '../security/authenticate.js';
import type { KeyRevocationWatch } from '../security/api-keys.js';
import type { AuditObserver, DataProtection } from '../security/data-protection/index.js';
import type { AccountLimits } from '../security/limits/index.js';
import type { StreamBus } from '../infra/streams/bus.js';

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
  providerChains: ProviderChains;
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
