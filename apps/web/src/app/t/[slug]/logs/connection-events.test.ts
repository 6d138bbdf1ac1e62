import { CONNECTION_FAILURE_REASONS, CONNECTION_METHODS } from '@toolgate/api/services/connections';
import { describe, expect, it } from 'vitest';
import { connectionEventLabel, isConnectionEvent } from './connection-events';
import { denyReasonText } from './deny-reasons';

describe('connected accounts in the Logs page', () => {
  it('names every connection event, done or failed, and tells them from MCP methods', () => {
    for (const method of Object.values(CONNECTION_METHODS)) {
      expect(isConnectionEvent(method)).toBe(true);
      expect(connectionEventLabel(method, 'ok')).not.toBe(method);
      expect(connectionEventLabel(method, 'denied')).not.toBe(connectionEventLabel(method, 'ok'));
    }
    expect(isConnectionEvent('tools/call')).toBe(false);
  });

  it('words every reason a connection step records, and keeps the proxy’s words for calls', () => {
    for (const reason of CONNECTION_FAILURE_REASONS)
      expect(denyReasonText(reason, 'connection/complete')).not.toMatch(/^Refused \(/);
    expect(denyReasonText('revoked', 'tools/call')).toBe('The token was revoked');
    expect(denyReasonText('revoked')).toBe('The token was revoked');
  });
});
