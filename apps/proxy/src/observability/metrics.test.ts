import { describe, expect, it } from 'vitest';
import { methodLabel, ProxyMetrics, resolveLabelPolicy } from './metrics.ts';

describe('proxy metrics labels', () => {
  it('resolves `auto` by deployment: gateway labels on one machine, none in a fleet', () => {
    expect(resolveLabelPolicy({ METRICS_TENANT_LABELS: 'auto', REDIS_URL: undefined })).toBe('gateway');
    expect(resolveLabelPolicy({ METRICS_TENANT_LABELS: 'auto', REDIS_URL: 'redis://r:6379' })).toBe('none');
    expect(resolveLabelPolicy({ METRICS_TENANT_LABELS: 'tenant', REDIS_URL: 'redis://r:6379' })).toBe(
      'tenant',
    );
  });

  it('keeps the method label bounded', () => {
    expect(methodLabel('tools/call')).toBe('tools/call');
    expect(methodLabel('notifications/cancelled')).toBe('notifications/cancelled');
    expect(methodLabel('')).toBe('unread');
    expect(methodLabel('(response)')).toBe('response');
    expect(methodLabel('made/up/by/a/client')).toBe('other');
  });

  it('labels by tenant only under the tenant policy, and caps the number of tenants', async () => {
    const metrics = new ProxyMetrics({ labels: 'tenant', maxLabelled: 2, processMetrics: false });
    const message = (tenantId: string, gatewayId: string | null) =>
      metrics.message({ tenantId, gatewayId, method: 'tools/call', status: 'ok', latencyMs: 3 });
    message('t1', 'g1');
    message('t1', 'g2');
    message('t2', 'g3');
    message('t3', 'g4');
    message('', null);
    const { values } = await metrics.registry.getSingleMetric('toolgate_tool_calls_total')!.get();
    const byTenant = Object.fromEntries(
      values.map((v) => [`${v.labels.tenant}/${v.labels.gateway}`, v.value]),
    );
    expect(byTenant).toEqual({ 't1/all': 2, 't2/all': 1, 'other/other': 1, 'unknown/unknown': 1 });
  });
});
