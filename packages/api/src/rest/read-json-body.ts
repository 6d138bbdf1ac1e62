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
