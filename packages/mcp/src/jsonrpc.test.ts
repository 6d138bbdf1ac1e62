import { describe, expect, it } from 'vitest';
import { classifyMessage, RPC, type JsonRpcError } from './jsonrpc.ts';

const refusal = (value: unknown): JsonRpcError => {
  try {
    classifyMessage(value);
  } catch (err) {
    return err as JsonRpcError;
  }
  throw new Error(`accepted ${JSON.stringify(value)}`);
};

describe('classifyMessage', () => {
  it('accepts requests, notifications and responses of every documented shape', () => {
    expect(classifyMessage({ jsonrpc: '2.0', id: 1, method: 'ping' }).kind).toBe('request');
    expect(classifyMessage({ jsonrpc: '2.0', method: 'notifications/initialized' }).kind).toBe(
      'notification',
    );
    expect(classifyMessage({ jsonrpc: '2.0', id: 'a', result: {} }).kind).toBe('response');
    expect(
      classifyMessage({ jsonrpc: '2.0', id: 'a', error: { code: -1, message: 'no', data: [1] } }).kind,
    ).toBe('response');
    const withToken = {
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { _meta: { progressToken: 'p' } },
    };
    expect(classifyMessage(withToken).kind).toBe('request');
  });

  it('refuses response errors another party would not accept, which would leave an upstream waiting', () => {
    for (const error of [
      { code: 1.5, message: 'm' },
      { code: 2 ** 53 + 2, message: 'm' },
      { code: '1', message: 'm' },
      { code: 1 },
      'oops',
      null,
    ]) {
      const refused = refusal({ jsonrpc: '2.0', id: 'tg-1', error });
      expect(refused.code).toBe(RPC.INVALID_REQUEST);
      expect(refused.message).toContain('"error"');
    }
  });

  it('refuses ids and progress tokens that are neither strings nor safe integers', () => {
    expect(refusal({ jsonrpc: '2.0', id: 1.5, method: 'ping' }).code).toBe(RPC.INVALID_REQUEST);
    expect(refusal({ jsonrpc: '2.0', id: 2 ** 60, method: 'ping' }).code).toBe(RPC.INVALID_REQUEST);
    for (const progressToken of [1.7976931348623157e308, 0.5, { a: 1 }, null, true]) {
      const refused = refusal({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { _meta: { progressToken } },
      });
      expect(refused.message).toContain('progressToken');
    }
  });
});
