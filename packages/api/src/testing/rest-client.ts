import { expect } from 'vitest';
import type { z } from 'zod';
import { handleRestRequest, type RestDeps } from '../rest/handle-rest-request.ts';
import { ZErrorResponse, type ErrorResponse } from '../schemas/common.ts';
import { createOutboxMailer } from './outbox-mailer.ts';

export interface RestAnswer {
  status: number;
  headers: Headers;
  /** Parsed JSON body; undefined for an empty one. */
  json: unknown;
}

export type RestCall = (
  method: string,
  path: string,
  options?: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> },
) => Promise<RestAnswer>;

/** What a test must give the REST API; the rest defaults to a mailer that keeps what it is given. */
export type TestRestDeps = Pick<RestDeps, 'db' | 'bus' | 'publicMcpUrl'> & Partial<RestDeps>;

export const testRestDeps = (given: TestRestDeps): RestDeps => ({
  publicWebUrl: 'https://web.example.test',
  mailer: createOutboxMailer(),
  ...given,
});

/**
 * Calls the REST API in-process through `handleRestRequest`, exactly as the Next route does.
 * `body` is sent as JSON; `rawBody` as is.
 */
export function restClient(given: TestRestDeps, origin = 'http://toolgate.test'): RestCall {
  const deps = testRestDeps(given);
  return async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const response = await handleRestRequest(
      new Request(`${origin}/api/v1${path}`, { method, headers, body }),
      deps,
    );
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      json: text ? (JSON.parse(text) as unknown) : undefined,
    };
  };
}

/** Asserts the status and parses the body with the route's declared response schema. */
export function ok<S extends z.ZodType>(answer: RestAnswer, status: number, schema: S): z.output<S> {
  expect(answer.status, JSON.stringify(answer.json)).toBe(status);
  return schema.parse(answer.json);
}

/** Asserts an error answer: status, code, and the documented error shape. */
export function failed(answer: RestAnswer, status: number, code: string): ErrorResponse['error'] {
  expect(answer.status, JSON.stringify(answer.json)).toBe(status);
  const { error } = ZErrorResponse.parse(answer.json);
  expect(error.code).toBe(code);
  return error;
}
