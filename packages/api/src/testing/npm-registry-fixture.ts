import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small npm registry answering package metadata as registry.npmjs.org does: `GET /{name}` (a
 * scoped name as `@scope%2fname`, either case of the escape) with the abbreviated document
 * (`application/vnd.npm.install-v1+json`: name, modified, dist-tags, versions with name, version,
 * dist and deprecated) when the client asks for it, the full one otherwise, and 404
 * `{"error":"Not found"}` for unknown packages. Tests point the control plane at it instead of the
 * public registry.
 */
export interface FixturePackage {
  versions: string[];
  /** Default: the last version listed. */
  latest?: string;
  /** Deprecation messages by version. */
  deprecated?: Record<string, string>;
}

export interface NpmRegistryFixture {
  url: string;
  /** Accept headers of the requests seen, with their paths. */
  requests: { path: string; accept: string | undefined }[];
  /** Replaces or adds a package. */
  publish(name: string, pkg: FixturePackage): void;
  /** While set, requests are held unanswered (a registry that does not answer). */
  hang(on: boolean): void;
  close(): Promise<void>;
}

const ABBREVIATED = 'application/vnd.npm.install-v1+json';

export async function startNpmRegistryFixture(
  packages: Record<string, FixturePackage> = {},
): Promise<NpmRegistryFixture> {
  const known = new Map(Object.entries(packages));
  const requests: NpmRegistryFixture['requests'] = [];
  const held: ServerResponse[] = [];
  let hanging = false;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]!;
    requests.push({ path, accept: req.headers.accept });
    if (hanging) {
      held.push(res);
      return;
    }
    const name = decodeURIComponent(path.slice(1));
    const pkg = req.method === 'GET' ? known.get(name) : undefined;
    if (!pkg) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'Not found' }));
      return;
    }
    const abbreviated = (req.headers.accept ?? '').includes(ABBREVIATED);
    const host = `http://${req.headers.host ?? '127.0.0.1'}`;
    res
      .writeHead(200, { 'content-type': abbreviated ? ABBREVIATED : 'application/json' })
      .end(JSON.stringify(document(host, name, pkg, abbreviated)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    publish: (name, pkg) => void known.set(name, pkg),
    hang(on) {
      hanging = on;
      if (!on) for (const res of held.splice(0)) res.destroy();
    },
    async close() {
      for (const res of held.splice(0)) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function document(host: string, name: string, pkg: FixturePackage, abbreviated: boolean) {
  const latest = pkg.latest ?? pkg.versions[pkg.versions.length - 1];
  const base = name.startsWith('@') ? name.slice(name.indexOf('/') + 1) : name;
  const versions = Object.fromEntries(
    pkg.versions.map((version) => {
      const tarball = `${host}/${name.replace('/', '%2f')}/-/${base}-${version}.tgz`;
      const shasum = createHash('sha1').update(`${name}@${version}`).digest('hex');
      const manifest = {
        name,
        version,
        ...(pkg.deprecated?.[version] ? { deprecated: pkg.deprecated[version] } : {}),
        dist: {
          tarball,
          shasum,
          integrity: `sha512-${createHash('sha512').update(shasum).digest('base64')}`,
        },
        bin: { [base]: 'dist/index.js' },
        ...(abbreviated ? {} : { description: `${name} ${version}`, license: 'MIT' }),
      };
      return [version, manifest];
    }),
  );
  return {
    name,
    modified: '2026-01-01T00:00:00.000Z',
    'dist-tags': latest ? { latest } : {},
    versions,
    ...(abbreviated ? {} : { time: { modified: '2026-01-01T00:00:00.000Z' } }),
  };
}
