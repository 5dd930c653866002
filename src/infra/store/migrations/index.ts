/**
 * Versioned schema migrations, applied in order at start-up. Never edit one that has shipped:
 * add the next number. Pending ones run together in one transaction, under an advisory lock, and
 * each is recorded in schema_migrations.
 */
import type { Migration } from './migration.js';
import { generations } from './0001_generations.js';
import { generationDelivery } from './0002_generation_delivery.js';
import { routing } from './0003_routing.js';
import { security } from './0004_security.js';
import { evaluation } from './0005_evaluation.js';
import { injectionScore } from './0006_injection_score.js';
import { generationHeartbeat } from './0007_generation_heartbeat.js';
import { routingBacklogs } from './0008_routing_backlogs.js';
import { routingDecisions } from './0009_routing_decisions.js';

export const MIGRATIONS: readonly Migration[] = [
  generations,
  generationDelivery,
  routing,
  security,
  evaluation,
  injectionScore,
  generationHeartbeat,
  routingBacklogs,
  routingDecisions,
];
