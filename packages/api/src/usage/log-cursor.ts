import { AppError } from '@toolgate/core/errors';
import { UUID_PATTERN } from '../schemas/common.ts';

/**
 * Keyset position in the audit log: the last event of a page, as (occurred_at, id). The time
 * keeps Postgres' microseconds (a JS Date would round them away and skip or repeat events).
 */
export interface LogCursor {
  /** UTC, microsecond precision: 2025-06-15T12:34:56.123456Z */
  occurredAt: string;
  id: string;
}

const MICROS_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

export const encodeLogCursor = ({ occurredAt, id }: LogCursor): string =>
  Buffer.from(`${occurredAt}|${id}`, 'utf8').toString('base64url');

/** A cursor this API handed out; anything else is INVALID (naming the `cursor` field). */
export function decodeLogCursor(cursor: string): LogCursor {
  const [occurredAt, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (
    rest.length > 0 ||
    !occurredAt ||
    !id ||
    !MICROS_ISO.test(occurredAt) ||
    Number.isNaN(Date.parse(occurredAt)) ||
    !UUID_PATTERN.test(id)
  ) {
    throw new AppError('INVALID', 'cursor: not a cursor from a previous page', {
      fields: [{ path: 'cursor', message: 'not a cursor from a previous page' }],
    });
  }
  return { occurredAt, id: id.toLowerCase() };
}
