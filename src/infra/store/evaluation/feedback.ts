/** What people said about drafts and routing decisions, explicitly (a rating) or by what they did (final text). */
import type { Feature } from '../../../domain.js';
import type { SqlDatabase } from '../database.js';

export type Rating = 'UP' | 'DOWN';
export type EditClassName = 'ACCEPTED' | 'LIGHTLY_EDITED' | 'HEAVILY_EDITED' | 'DISCARDED';

export interface FeedbackRecord {
  id: string;
  accountId: string;
  feature: Feature;
  generationId: string | null;
  predictionId: string | null;
  rating: Rating | null;
  comment: string | null;
  correctedCategory: string | null;
  finalText: string | null;
  editDistance: number | null;
  editClass: EditClassName | null;
  createdAt: Date;
}

interface Row {
  id: string;
  account_id: string;
  feature: Feature;
  generation_id: string | null;
  prediction_id: string | null;
  rating: Rating | null;
  comment: string | null;
  corrected_category: string | null;
  final_text: string | null;
  edit_distance: number | null;
  edit_class: EditClassName | null;
  created_at: Date;
}

const toRecord = (row: Row): FeedbackRecord => ({
  id: row.id,
  accountId: row.account_id,
  feature: row.feature,
  generationId: row.generation_id,
  predictionId: row.prediction_id,
  rating: row.rating,
  comment: row.comment,
  correctedCategory: row.corrected_category,
  finalText: row.final_text,
  editDistance: row.edit_distance,
  editClass: row.edit_class,
  createdAt: row.created_at,
});

export class FeedbackRepository {
  constructor(private readonly db: SqlDatabase) {}

  async insert(record: Omit<FeedbackRecord, 'createdAt'>): Promise<FeedbackRecord> {
    const [row] = await this.db.query<Row>(
      `INSERT INTO feedback (id, account_id, feature, generation_id, prediction_id, rating, comment, corrected_category, final_text, edit_distance, edit_class)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *`,
      [
        record.id,
        record.accountId,
        record.feature,
        record.generationId,
        record.predictionId,
        record.rating,
        record.comment,
        record.correctedCategory,
        record.finalText,
        record.editDistance,
        record.editClass,
      ],
    );
    return toRecord(row!);
  }
}
