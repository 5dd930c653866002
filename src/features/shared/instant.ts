/**
 * Times as models write them in drafts: `2026-11-22 09:12 UTC`, ISO 8601, `09:12 UTC`, `09:12Z`,
 * `9:12 AM`, or a bare `09:12`. A time without a date takes the date that puts it nearest to the
 * instants the input itself holds (its events), so `23:58` and `00:03` of an incident that spans
 * midnight land on their own days. Only UTC is understood: an offset other than zero is not a
 * time this service wrote or asked for, and is not read.
 */

const DATED =
  /(\d{4}-\d{2}-\d{2})(?:[ T]|,\s*)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?!\d)\s*(?:UTC|GMT|Z|\+00:?00)?/i;
const CLOCK =
  /(?<![\d:.-])(\d{1,2}):(\d{2})(?::(\d{2}))?(?![\d:])\s*(am|pm|a\.m\.|p\.m\.)?\s*(?:UTC|GMT|Z\b)?/i;

export interface FoundInstant {
  at: Date;
  /** Where the written time starts and ends in the text. */
  index: number;
  end: number;
}

const HOUR = 3_600_000;

/** The day (UTC midnight) that puts `hh:mm` nearest one of `anchors`; the first anchor's day if none is near. */
function completeDay(
  hours: number,
  minutes: number,
  seconds: number,
  anchors: readonly Date[],
): Date | null {
  if (anchors.length === 0) return null;
  const offset = ((hours * 60 + minutes) * 60 + seconds) * 1000;
  let best: Date | null = null;
  let distance = Infinity;
  for (const anchor of anchors) {
    const midnight = Date.UTC(anchor.getUTCFullYear(), anchor.getUTCMonth(), anchor.getUTCDate());
    for (const day of [midnight - 24 * HOUR, midnight, midnight + 24 * HOUR]) {
      const candidate = day + offset;
      const gap = Math.abs(candidate - anchor.getTime());
      if (gap < distance) {
        distance = gap;
        best = new Date(candidate);
      }
    }
  }
  return best;
}

/** The first time written in `text`, dated from the text or else from `anchors`; null if none. */
export function findInstant(text: string, anchors: readonly Date[]): FoundInstant | null {
  const dated = DATED.exec(text);
  const clock = CLOCK.exec(text);
  if (dated && (!clock || dated.index <= clock.index)) {
    const at = new Date(
      `${dated[1]}T${dated[2]!.padStart(2, '0')}:${dated[3]}:${dated[4] ?? '00'}Z`,
    );
    if (!Number.isNaN(at.getTime()))
      return { at, index: dated.index, end: dated.index + dated[0].length };
  }
  if (!clock) return null;
  let hours = Number(clock[1]);
  const meridiem = clock[4]?.toLowerCase().replace(/\./g, '');
  if (meridiem === 'pm' && hours < 12) hours += 12;
  if (meridiem === 'am' && hours === 12) hours = 0;
  if (hours > 23 || Number(clock[2]) > 59) return null;
  const at = completeDay(hours, Number(clock[2]), Number(clock[3] ?? 0), anchors);
  return at && { at, index: clock.index, end: clock.index + clock[0].length };
}
