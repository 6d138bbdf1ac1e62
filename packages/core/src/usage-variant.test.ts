import { describe, expect, it } from 'vitest';
import { ZUsageEvent, type UsageEvent } from './usage.ts';

const event: UsageEvent = {
  at: 1,
  tenantId: 't1',
  gatewayId: null,
  requestId: 'r1',
  traceId: 'x',
  principalType: 'token',
  principalId: 'token:1',
  authMethod: 'api_token',
  sessionId: null,
  method: 'tools/call',
  toolName: 'memory__read_graph',
  installationId: 'i1',
  status: 'ok',
  errorCode: null,
  latencyMs: 1,
  requestBytes: 1,
  responseBytes: 1,
  policyOutcome: 'allow',
  request: null,
  response: null,
};

describe('usage events of installations running a canary', () => {
  it('keep their variant and server version through the worker’s parse', () => {
    const parsed = ZUsageEvent.parse({ ...event, variant: 'canary', serverVersion: '2026.8.31' });
    expect(parsed).toMatchObject({ variant: 'canary', serverVersion: '2026.8.31' });
  });

  it('parse events of proxies that predate canaries, and refuse a made-up variant', () => {
    expect(ZUsageEvent.parse(event).variant).toBeUndefined();
    expect(ZUsageEvent.safeParse({ ...event, variant: 'beta' }).success).toBe(false);
    expect(ZUsageEvent.safeParse({ ...event, serverVersion: 'x'.repeat(300) }).success).toBe(false);
  });
});
