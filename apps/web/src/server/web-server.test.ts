import { describe, expect, it } from 'vitest';
import { isRoutineRequest } from './web-server.ts';

describe('isRoutineRequest', () => {
  it('is true for health and readiness probes and static assets, whatever their query', () => {
    for (const url of [
      '/healthz',
      '/readyz',
      '/readyz?probe=lb',
      '/_next/static/chunks/app.js',
      '/_next/image?url=%2Flogo.png&w=64&q=75',
      '/favicon.ico',
      '/icon.svg',
      '/robots.txt',
    ])
      expect(isRoutineRequest(url), url).toBe(true);
  });

  it('is false for pages, API and OAuth requests', () => {
    for (const url of [
      '/',
      '/t/acme/gateways',
      '/api/v1/gateways',
      '/api/trpc/gateways.list?batch=1',
      '/oauth/token',
      '/healthz/../login',
      '/sign-in?next=/readyz',
      undefined,
    ])
      expect(isRoutineRequest(url), String(url)).toBe(false);
  });
});
