import { describe, expect, it } from 'vitest';
import { imageVersion } from './kubernetes-backend.ts';

describe('imageVersion: the running version of a command server on Kubernetes', () => {
  it('is the image tag, a digest as it is, and latest without either', () => {
    expect(imageVersion('registry.example.com/acme/toolgate-bridge:1.2.0')).toBe('1.2.0');
    expect(imageVersion('registry.example.com:5000/toolgate-bridge:2026.12.1')).toBe('2026.12.1');
    expect(imageVersion('registry.example.com:5000/toolgate-bridge')).toBe('latest');
    expect(imageVersion('toolgate-bridge@sha256:abc123')).toBe('sha256:abc123');
    expect(imageVersion('toolgate-bridge')).toBe('latest');
  });
});
