import { describe, expect, it } from 'vitest';
import { fetchRegistryVersions, packagePath } from './npm-registry.ts';
import { compareVersions, isExactVersion, isPrerelease } from './semver.ts';

describe('versions', () => {
  it('orders by semver precedence, pre-releases before their release', () => {
    const sorted = [
      '1.0.0',
      '0.10.0',
      '1.0.0-rc.1',
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-alpha.beta',
      '1.0.0-beta.11',
      '1.0.0-beta.2',
      '0.9.10',
      '2.0.0',
      '1.0.0+build.5',
    ].sort(compareVersions);
    expect(sorted).toEqual([
      '0.9.10',
      '0.10.0',
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-alpha.beta',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0-rc.1',
      '1.0.0',
      '1.0.0+build.5',
      '2.0.0',
    ]);
  });

  it('accepts exact versions only', () => {
    for (const v of ['1.2.3', '2026.8.31', '1.0.0-rc.1', '1.0.0+sha.5'])
      expect(isExactVersion(v), v).toBe(true);
    for (const v of ['^1.2.3', '1.2', 'v1.2.3', 'latest', '01.2.3', '1.2.3 ', '*', '1.2.x'])
      expect(isExactVersion(v), v).toBe(false);
    expect(isPrerelease('1.0.0-rc.1')).toBe(true);
    expect(isPrerelease('1.0.0+build')).toBe(false);
  });

  it('asks the registry for a scoped package with its slash escaped, keeping the @', () => {
    expect(packagePath('@modelcontextprotocol/server-memory')).toBe('@modelcontextprotocol%2Fserver-memory');
    expect(packagePath('left-pad')).toBe('left-pad');
  });

  it('refuses names npm would not publish before asking the registry', async () => {
    for (const name of ['..', '../etc', '.hidden', 'UPPER', '@scope/../x', ''])
      await expect(
        fetchRegistryVersions(name, { registryUrl: 'http://127.0.0.1:9/' }),
        name,
      ).rejects.toMatchObject({
        code: 'INVALID',
      });
  });
});
