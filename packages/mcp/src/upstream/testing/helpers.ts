import { expect } from 'vitest';
import { UpstreamError } from '../types.ts';

export const clientInfo = { name: 'toolgate-test', version: '0.0.0' };

/** Awaits a promise that must reject with an UpstreamError, and returns that error. */
export async function rejection(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

/** The text of a tools/call result's first content block. */
export function firstText(result: Record<string, unknown>): string {
  const content = result.content as { type: string; text?: string }[];
  return content[0]?.text ?? '';
}
