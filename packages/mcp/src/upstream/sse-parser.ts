/**
 * Incremental parser for `text/event-stream` (WHATWG HTML §9.2.6), fed decoded string chunks.
 * Events may be split across chunks at any byte, so partial lines are carried over.
 */

export interface SseEvent {
  /** `message` when the stream did not name the event. */
  event: string;
  data: string;
  /** The event's `id` field, if it had one. */
  id: string | undefined;
}

export class SseParser {
  /** Last `id` seen on the stream: sent back as Last-Event-ID when resuming. */
  lastEventId: string | undefined;
  /** Reconnection delay the server asked for with a `retry` field. */
  retryMs: number | undefined;

  private carry: string[] = [];
  private carryChars = 0;
  private eventType = '';
  private data = '';
  private hasData = false;
  private eventId: string | undefined;
  /** A chunk ended in `\r`: a `\n` at the start of the next chunk belongs to the same line end. */
  private skipLf = false;
  private started = false;

  constructor(
    private readonly onEvent: (event: SseEvent) => void,
    private readonly maxEventChars = 32 * 1024 * 1024,
  ) {}

  push(chunk: string): void {
    let text: string;
    if (this.carry.length > 0) {
      // A long line arriving in many chunks is joined once, when its end arrives, not per chunk.
      if (chunk.indexOf('\n') === -1 && chunk.indexOf('\r') === -1) {
        this.carry.push(chunk);
        this.carryChars += chunk.length;
        if (this.carryChars > this.maxEventChars)
          throw new Error('event stream message exceeds the size limit');
        return;
      }
      this.carry.push(chunk);
      text = this.carry.join('');
      this.carry = [];
      this.carryChars = 0;
    } else {
      text = chunk;
    }
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    let pos = 0;
    if (this.skipLf) {
      this.skipLf = false;
      if (text.charCodeAt(0) === 10) pos = 1;
    }
    const length = text.length;
    // Positions of the next `\r` / `\n` (-1: none left), refreshed only once passed, so that
    // each character is scanned once per chunk.
    let cr = text.indexOf('\r', pos);
    let lf = text.indexOf('\n', pos);
    while (pos < length) {
      if (cr !== -1 && cr < pos) cr = text.indexOf('\r', pos);
      if (lf !== -1 && lf < pos) lf = text.indexOf('\n', pos);
      let end: number;
      let next: number;
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        end = cr;
        if (cr + 1 === length) {
          next = length;
          this.skipLf = true;
        } else {
          next = text.charCodeAt(cr + 1) === 10 ? cr + 2 : cr + 1;
        }
      } else if (lf !== -1) {
        end = lf;
        next = lf + 1;
      } else {
        break;
      }
      this.line(text, pos, end);
      pos = next;
    }
    if (pos < length) {
      const rest = text.slice(pos);
      this.carry.push(rest);
      this.carryChars = rest.length;
      if (this.carryChars + this.data.length > this.maxEventChars) {
        throw new Error('event stream message exceeds the size limit');
      }
    }
  }

  private line(text: string, start: number, end: number): void {
    if (start === end) {
      this.dispatch();
      return;
    }
    if (text.charCodeAt(start) === 58 /* ':' comment */) return;
    const colon = text.indexOf(':', start);
    let field: string;
    let value: string;
    if (colon === -1 || colon >= end) {
      field = text.slice(start, end);
      value = '';
    } else {
      field = text.slice(start, colon);
      const valueStart = text.charCodeAt(colon + 1) === 32 ? colon + 2 : colon + 1;
      value = text.slice(valueStart, end);
    }
    switch (field) {
      case 'data':
        this.data = this.hasData ? `${this.data}\n${value}` : value;
        this.hasData = true;
        if (this.data.length > this.maxEventChars)
          throw new Error('event stream message exceeds the size limit');
        break;
      case 'event':
        this.eventType = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.eventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
      default:
        break;
    }
  }

  private dispatch(): void {
    if (this.eventId !== undefined) this.lastEventId = this.eventId;
    const id = this.eventId;
    const hasData = this.hasData;
    const event = this.eventType === '' ? 'message' : this.eventType;
    const data = this.data;
    this.eventType = '';
    this.data = '';
    this.hasData = false;
    this.eventId = undefined;
    if (hasData) this.onEvent({ event, data, id });
  }
}
