import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';

/**
 * What an MCP client keeps between runs, in memory: the SDK drives discovery, registration (DCR,
 * or a Client ID Metadata Document URL), PKCE and token refresh through this provider; the test
 * plays the user in the browser with the authorization URL it is handed.
 */
export class MemoryOAuthProvider implements OAuthClientProvider {
  private client?: OAuthClientInformationMixed;
  private saved?: OAuthTokens;
  private verifier = '';
  /** The authorization URL the SDK asked the user agent to open. */
  authorizationUrl?: URL;

  constructor(
    private readonly options: { redirectUrl: string; clientName: string; clientMetadataUrl?: string },
  ) {}

  get redirectUrl(): string {
    return this.options.redirectUrl;
  }

  get clientMetadataUrl(): string | undefined {
    return this.options.clientMetadataUrl;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: this.options.clientName,
      redirect_uris: [this.options.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.client;
  }

  saveClientInformation(info: OAuthClientInformationMixed): void {
    this.client = info;
  }

  tokens(): OAuthTokens | undefined {
    return this.saved;
  }

  saveTokens(tokens: OAuthTokens): void {
    this.saved = tokens;
  }

  /** Test hook: pretend the access token went bad, so the next call must refresh. */
  spoilAccessToken(): void {
    if (this.saved) this.saved = { ...this.saved, access_token: `${this.saved.access_token}x` };
  }

  redirectToAuthorization(url: URL): void {
    this.authorizationUrl = url;
  }

  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }

  codeVerifier(): string {
    return this.verifier;
  }
}

const listen = (server: Server): Promise<number> =>
  new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );

/** A loopback redirect URI (RFC 8252) that hands the authorization response to the test. */
export async function startCallbackServer(): Promise<{
  url: string;
  /** Resolves with the query of the next redirect the browser follows here. */
  next(): Promise<URLSearchParams>;
  close(): Promise<void>;
}> {
  let waiting: ((query: URLSearchParams) => void) | undefined;
  const server = createHttpServer((req, res) => {
    const query = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams;
    res
      .writeHead(200, { 'content-type': 'text/html' })
      .end('<h1>Signed in</h1><p>You can close this window.</p>');
    waiting?.(query);
    waiting = undefined;
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}/callback`,
    next: () => new Promise((resolve) => (waiting = resolve)),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * A self-signed certificate for `localhost`, made once per run by the Playwright config and
 * trusted by the server under test through NODE_EXTRA_CA_CERTS, so Client ID Metadata Documents
 * can be served over https as the specification requires.
 */
export function makeLocalhostCertificate(): { dir: string; cert: string; key: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'tg-e2e-tls-'));
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost',
      '-days',
      '2',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { dir, cert, key };
}

/** Serves one Client ID Metadata Document at https://localhost:{port}/oauth/client.json. */
export async function startMetadataDocumentServer(
  tls: { cert: string; key: string },
  document: (clientId: string) => Record<string, unknown>,
): Promise<{ clientId: string; close(): Promise<void> }> {
  let clientId = '';
  const server = createHttpsServer(
    { cert: readFileSync(tls.cert), key: readFileSync(tls.key) },
    (req, res) => {
      if (req.url !== '/oauth/client.json') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=60' });
      res.end(JSON.stringify(document(clientId)));
    },
  );
  const port = await listen(server);
  clientId = `https://localhost:${port}/oauth/client.json`;
  return { clientId, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
