import { describe, expect, it } from 'vitest';
import { checkPackageRef, packageFolderName } from './package-spec.ts';
import { binsOf, chooseBin } from './package-bin.ts';
import { npmFailure } from './npm-install.ts';

describe('package refs', () => {
  it('accepts exact versions of npm package names, scoped or not', () => {
    expect(checkPackageRef('@modelcontextprotocol/server-memory', '2026.8.31')).toEqual({
      name: '@modelcontextprotocol/server-memory',
      version: '2026.8.31',
    });
    expect(checkPackageRef('mcp-server', '1.0.0-beta.2+build.7').version).toBe('1.0.0-beta.2+build.7');
  });

  it('refuses ranges, tags and other specs npm would resolve to some version', () => {
    for (const version of [
      'latest',
      '^1.2.3',
      '~1.2.3',
      '1.2',
      '1.x',
      '>=1.0.0',
      'v1.2.3',
      '01.2.3',
      '1.2.3 || 2.0.0',
    ])
      expect(() => checkPackageRef('pkg', version), version).toThrow(/is not an exact version/);
    expect(() => checkPackageRef('pkg', null)).toThrow(/no version of pkg to run/);
  });

  it('refuses what is not a package name (paths, URLs, git specs, upper case)', () => {
    for (const name of [
      '../evil',
      'file:../x',
      'git+https://x/y',
      'https://x/y.tgz',
      'Pkg',
      '@scope/',
      '@a/b/c',
      '',
    ])
      expect(() => checkPackageRef(name, '1.0.0'), name).toThrow(/is not an npm package name/);
  });

  it('names one cache folder per name and version', () => {
    expect(packageFolderName({ name: '@scope/name', version: '1.2.3' })).toBe('@scope+name@1.2.3');
  });
});

describe('choosing the bin', () => {
  const ref = { name: '@scope/tool', version: '1.0.0' };

  it('takes the string bin, the only one, the one named like the package, or the one named', () => {
    expect(chooseBin(ref, binsOf(ref.name, './dist/index.js'), null)).toBe('dist/index.js');
    expect(chooseBin(ref, { other: 'a.js' }, null)).toBe('a.js');
    expect(chooseBin(ref, { tool: 't.js', helper: 'h.js' }, null)).toBe('t.js');
    expect(chooseBin(ref, { tool: 't.js', helper: 'h.js' }, 'helper')).toBe('h.js');
  });

  it('lists the bins when the choice is ambiguous or the named one is missing', () => {
    expect(() => chooseBin(ref, { a: 'a.js', b: 'b.js' }, null)).toThrow(
      /has several bins and none named "tool": choose one with the registry entry's bin \(its bins: a, b\)/,
    );
    expect(() => chooseBin(ref, { a: 'a.js' }, 'c')).toThrow(/has no bin "c" \(its bins: a\)/);
    expect(() => chooseBin(ref, {}, null)).toThrow(/has no bin to run/);
  });

  it('refuses a bin outside the package', () => {
    expect(() => chooseBin(ref, { tool: '../../etc/passwd' }, null)).toThrow(/is outside the package/);
  });
});

describe("npm's failures, in words", () => {
  const ref = { name: '@scope/tool', version: '9.9.9' };
  const registry = 'https://registry.npmjs.org/';

  it('tells a missing version from a missing package or dependency', () => {
    const etarget = `npm error code ETARGET\nnpm error notarget No matching version found for @scope/tool@9.9.9.\n`;
    expect(npmFailure(ref, etarget, registry, 1)).toBe('no such version');
    const dependency = `npm ERR! code ETARGET\nnpm ERR! notarget No matching version found for zod@^99.0.0.\n`;
    expect(npmFailure(ref, dependency, registry, 1)).toBe(
      'a dependency has no matching version (zod@^99.0.0)',
    );
    const e404 = `npm error code E404\nnpm error 404 Not Found - GET https://registry.npmjs.org/@scope%2ftool\nnpm error 404  The requested resource '@scope/tool@9.9.9' could not be found or you do not have permission to access it.\n`;
    expect(npmFailure(ref, e404, registry, 1)).toBe('no such package');
  });

  it('says when the registry cannot be reached, and falls back to npm’s last line', () => {
    expect(npmFailure(ref, 'npm error code ENOTFOUND\n', registry, 1)).toBe(
      `the registry ${registry} could not be reached (ENOTFOUND)`,
    );
    expect(
      npmFailure(
        ref,
        'npm error something odd\nnpm error A complete log of this run can be found in: x\n',
        registry,
        1,
      ),
    ).toBe('npm exited with code 1: something odd');
  });
});
