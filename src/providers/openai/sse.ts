/**
 * Server-sent events from text that arrives in arbitrary pieces, read as the openai SDK reads
 * them (its `LineDecoder` and `SSEDecoder`), in fewer steps: the SDK copies every byte chunk into
 * a new array twice and decodes each line separately; this works on the decoded text.
 *
 * Lines end with LF, CRLF or a lone CR, and a CRLF may be split between two pieces. A line that
 * starts with `:` is a comment (a keep-alive); `data:` lines accumulate, joined with LF, until a
 * blank line dispatches the event; `event:` names it; other fields are ignored; one space after
 * the colon is dropped. An event the text ends in the middle of (no blank line after it) is
 * never dispatched: the server did not finish it.
 */

/** One dispatched event: its `event:` name, if any, and its data lines joined with LF. */
export interface SseEvent {
  readonly event: string | null;
  readonly data: string;
}

export class SseDecoder {
  /** The start of a line not yet ended. */
  #partial = '';
  /** The last piece ended in CR: an LF at the start of the next belongs to that line end. */
  #afterCr = false;
  #event: string | null = null;
  /** The data lines so far; undefined when there were none (distinct from one empty line). */
  #data: string | undefined;

  /** Decodes the next piece of text; returns the events it completed, in order. */
  decode(piece: string): SseEvent[] {
    const events: SseEvent[] = [];
    let start = 0;
    if (this.#afterCr && piece.charCodeAt(0) === 0x0a) start = 1;
    this.#afterCr = false;
    const length = piece.length;
    for (let i = start; i < length; i += 1) {
      const code = piece.charCodeAt(i);
      if (code !== 0x0a && code !== 0x0d) continue;
      const line =
        this.#partial === '' ? piece.slice(start, i) : this.#partial + piece.slice(start, i);
      this.#partial = '';
      const event = this.#line(line);
      if (event) events.push(event);
      if (code === 0x0d) {
        if (i + 1 === length) this.#afterCr = true;
        else if (piece.charCodeAt(i + 1) === 0x0a) i += 1;
      }
      start = i + 1;
    }
    if (start < length) this.#partial += piece.slice(start);
    return events;
  }

  #line(line: string): SseEvent | null {
    if (line === '') {
      if (!this.#event && this.#data === undefined) return null;
      const event: SseEvent = { event: this.#event, data: this.#data ?? '' };
      this.#event = null;
      this.#data = undefined;
      return event;
    }
    if (line.charCodeAt(0) === 0x3a) return null; // `:` a comment
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 0x20) value = value.slice(1);
    if (field === 'data') this.#data = this.#data === undefined ? value : `${this.#data}\n${value}`;
    else if (field === 'event') this.#event = value;
    return null;
  }
}
