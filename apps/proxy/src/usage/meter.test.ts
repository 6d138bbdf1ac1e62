import { REDACTED } from '@toolgate/core/redact';
import { MAX_AGENT_CHARS } from '@toolgate/core/usage';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../mcp-call.ts';
import { traceIdFrom, UsageDraft } from './meter.ts';

const principal: Principal = {
  id: 'token:1b7c0c5e-31d4-4a55-9b51-3f1e6f0c2a11',
  tenantId: 't1',
  authMethod: 'api_token',
  userId: null,
  teamIds: [],
  orgWide: true,
};

const draft = (headers: Record<string, string> = {}) => new UsageDraft('req-1', headers, 8_192);
const call = (args: Record<string, unknown>) => ({
  kind: 'request' as const,
  message: { jsonrpc: '2.0' as const, id: 1, method: 'tools/call', params: { name: 'x', arguments: args } },
});

describe('traceIdFrom', () => {
  it('takes the trace id of a valid traceparent', () => {
    expect(traceIdFrom('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')).toBe(
      '0af7651916cd43dd8448eb211c80319c',
    );
  });
  it('makes a fresh random one otherwise', () => {
    const ids = new Set(
      ['', 'garbage', '00-00000000000000000000000000000000-b7ad6b7169203331-01', undefined].map(traceIdFrom),
    );
    expect(ids.size).toBe(4);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('UsageDraft', () => {
  it('serialises as exactly a usage event (no private state, no methods)', () => {
    const d = draft({ 'content-length': '42' });
    d.attribute('t1', 'g1', principal);
    expect(Object.keys(JSON.parse(JSON.stringify(d)) as object).sort()).toEqual(
      [
        'at',
        'tenantId',
        'gatewayId',
        'requestId',
        'traceId',
        'principalType',
        'principalId',
        'authMethod',
        'sessionId',
        'agent',
        'method',
        'toolName',
        'requestedName',
        'installationId',
        'variant',
        'serverVersion',
        'status',
        'errorCode',
        'latencyMs',
        'requestBytes',
        'responseBytes',
        'policyOutcome',
        'dlpOutcome',
        'dlpFindings',
        'request',
        'response',
      ].sort(),
    );
    expect(d).toMatchObject({ principalType: 'token', policyOutcome: 'allow', requestBytes: 42 });
  });

  it('adds up guardrail findings across directions and keeps the strongest outcome', () => {
    const d = draft({});
    d.attribute('t1', 'g1', principal);
    d.dlp('none', {});
    expect(d).toMatchObject({ dlpOutcome: 'none', dlpFindings: null });
    d.dlp('redacted', { email: 2, ip: 1 });
    d.dlp('logged', { ip: 1 });
    expect(d).toMatchObject({ dlpOutcome: 'redacted', dlpFindings: { email: 2, ip: 2 } });
    // A block is the gateway's refusal: the tool error is recorded as denied, not as the tool's.
    d.dlp('blocked', { card: 1 });
    d.reply({ result: { content: [], isError: true } }, 10);
    expect(d).toMatchObject({ dlpOutcome: 'blocked', status: 'denied' });
  });

  it('derives the status from the reply and keeps redacted arguments and results', () => {
    const ok = draft();
    ok.read(call({ password: 'p', q: 'x' }), 120);
    ok.reply({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'hi' }] } }, 80);
    expect(ok).toMatchObject({
      method: 'tools/call',
      status: 'ok',
      errorCode: null,
      requestBytes: 120,
      responseBytes: 80,
      request: { password: REDACTED, q: 'x' },
      response: { content: [{ type: 'text', text: 'hi' }] },
    });

    const toolError = draft();
    toolError.read(call({}), 10);
    toolError.reply({ jsonrpc: '2.0', id: 1, result: { content: [], isError: true } }, 10);
    expect(toolError.status).toBe('tool_error');

    const failed = draft();
    failed.read(call({}), 10);
    failed.reply({ jsonrpc: '2.0', id: 1, error: { code: -32010, message: 'upstream down' } }, 10);
    expect(failed).toMatchObject({ status: 'error', errorCode: -32010, response: { code: -32010 } });

    const forbidden = draft();
    forbidden.read(call({}), 10);
    forbidden.reply({ jsonrpc: '2.0', id: 1, error: { code: -32013, message: 'no' } }, 10);
    expect(forbidden.status).toBe('denied');
  });

  it('is an internal error until something answers, and ok once a notification is accepted', () => {
    const pending = draft();
    pending.read(call({}), 10);
    expect(pending).toMatchObject({ status: 'error', errorCode: -32603 });

    const note = draft();
    note.read({ kind: 'notification', message: { jsonrpc: '2.0', method: 'notifications/initialized' } }, 50);
    expect(note).toMatchObject({ method: 'notifications/initialized', status: 'ok', errorCode: null });
  });

  it('records a denial with its reason', () => {
    const d = draft();
    d.tenantId = 't1';
    d.deny('invalid_token', -32012, 99);
    expect(d).toMatchObject({ status: 'denied', policyOutcome: 'deny:invalid_token', responseBytes: 99 });
  });

  it('keeps the name a refused tools/call asked for, and only when no exposed tool answered', () => {
    const refused = draft();
    refused.read(call({}), 10);
    refused.reply({ jsonrpc: '2.0', id: 1, error: { code: -32602, message: 'Unknown tool: x' } }, 80);
    expect(refused).toMatchObject({ status: 'error', toolName: null, requestedName: 'x' });

    const answered = draft();
    answered.read(call({}), 10);
    answered.toolName = 'x';
    answered.reply({ jsonrpc: '2.0', id: 1, error: { code: -32603, message: 'upstream failed' } }, 80);
    expect(answered).toMatchObject({ toolName: 'x', requestedName: null });
  });

  it('names the agent by the OAuth client, else by the name the client declared, capped', () => {
    const declared = draft();
    declared.attribute('t1', 'g1', principal);
    expect(declared.agent).toBeNull();
    declared.declaredClient('claude-code');
    expect(declared.agent).toBe('claude-code');

    const oauth = draft();
    oauth.attribute('t1', 'g1', { ...principal, authMethod: 'oauth', clientId: 'tgc_client1' });
    oauth.declaredClient('claude-code');
    expect(oauth.agent).toBe('tgc_client1');

    const odd = draft();
    odd.declaredClient('');
    odd.declaredClient(42);
    expect(odd.agent).toBeNull();
    odd.declaredClient('x'.repeat(MAX_AGENT_CHARS + 50));
    expect(odd.agent).toBe('x'.repeat(MAX_AGENT_CHARS));
  });

  it('measures its latency once stopped', () => {
    const d = draft();
    d.stop();
    expect(d.latencyMs).toBeGreaterThanOrEqual(0);
    expect(d.latencyMs).toBeLessThan(1_000);
  });
});
