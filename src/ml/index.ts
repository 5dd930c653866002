/**
 * The local ticket-routing model: train on a customer's labeled tickets, predict categories with
 * calibrated confidence (or Unknown), store as bytes. Pure computation, no I/O.
 */
export { normalizeTicketText } from './preprocess.js';
export { trainRouter, type LabeledText, type RouterAlgorithm, type TrainOptions } from './model.js';
export type { RouterMetrics, RouterPrediction, TrainedRouter } from './router.js';
export {
  FORMAT_VERSION,
  RouterFormatError,
  deserializeRouter,
  serializeRouter,
} from './serialize.js';
export { expectedCalibrationError } from './calibration.js';
export { cascadeCurve, thresholdForPrecision, type CascadePoint } from './evaluation.js';
export { thresholdForUnknownRecall } from './threshold.js';
export type { FeatureOptions } from './features.js';
