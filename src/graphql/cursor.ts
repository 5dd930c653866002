/**
 * Opaque cursors, in the two kinds of order the store pages by: keyset (`createdAt|id`, newest
 * first) and position (a row's ordinal within its parent, such as an eval run's cases). Both are
 * base64url so clients treat them as opaque strings.
 */
import { badInput } from '../errors.js';

/** Keyset cursor: base64url of `createdAt|id`. */
export function encodeCursor(row: { createdAt: Date; id: string }): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(at ?? '');
  if (!id || Number.isNaN(createdAt.getTime()) || !/^[0-9a-f-]{36}$/i.test(id))
    throw badInput('after: not a cursor from this API');
  return { createdAt, id };
}

/** Position cursor: base64url of `position:<n>`. */
export const encodePosition = (position: number): string =>
  Buffer.from(`position:${position}`).toString('base64url');

export function decodePosition(cursor: string): number {
  const match = /^position:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw badInput('after: not a cursor from this API');
  return Number(match[1]);
}
