import { MAX_INPUT_DEPTH } from '../validation.ts';
import { HttpError } from './http-errors.ts';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** Reads and parses a JSON body, bounded in size; anything unreadable is a 400, too big a 413. */
export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (request.body) {
    // Leaving the loop early cancels the stream: the rest of an oversized body is never read.
    for await (const chunk of request.body as AsyncIterable<Uint8Array>) {
      total += chunk.byteLength;
      if (total > maxBytes) throw tooLarge(maxBytes);
      chunks.push(chunk);
    }
  }
  if (total === 0) throw new HttpError(400, 'BAD_REQUEST', 'The request needs a JSON body');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new HttpError(400, 'BAD_REQUEST', 'The request body is not valid UTF-8');
  }
  if (nestsDeeperThan(text, MAX_INPUT_DEPTH))
    throw new HttpError(
      400,
      'BAD_REQUEST',
      `The request body nests objects and arrays more than ${MAX_INPUT_DEPTH} levels deep`,
    );
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    // SyntaxError for bad JSON, RangeError for absurd nesting: both the client's doing.
    const detail = err instanceof SyntaxError ? `: ${err.message}` : '';
    throw new HttpError(400, 'BAD_REQUEST', `The request body is not valid JSON${detail}`);
  }
}

const tooLarge = (maxBytes: number) =>
  new HttpError(413, 'PAYLOAD_TOO_LARGE', `The request body exceeds ${maxBytes} bytes`);

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Whether JSON text nests objects and arrays deeper than `max`, decided on the text in one pass
 * (brackets inside strings do not count), so an absurdly nested body is refused before it is
 * parsed or walked. Malformed text is left for JSON.parse to refuse.
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  return false;
}
