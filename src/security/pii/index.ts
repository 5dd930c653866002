/**
 * PII redaction before text leaves for a third-party provider, and restoration in what comes
 * back (DESIGN.md, Security). Pure and synchronous; one `PiiRedactor` (or one `redact()` call)
 * per request.
 */
export { PII_KINDS, PLACEHOLDER_LABEL, type PiiKind } from './kinds.js';
export { DEFAULT_ENTROPY, findPii, type DetectOptions, type PiiFinding } from './detectors.js';
export {
  PiiRedactor,
  redact,
  redactMessages,
  type PiiCounts,
  type Redaction,
  type RedactionSummary,
  type RedactOptions,
  type RequestRedaction,
  type Restorable,
  type StreamRestorer,
} from './redact.js';
export { luhnValid, ibanValid, shannonEntropy, looksRandom } from './checks.js';
