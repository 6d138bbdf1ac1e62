import type { RegistryEntry } from '@toolgate/api/schemas/registry';

type AuthKind = RegistryEntry['authKind'];

/** One sentence per kind: what the gateway does with each call (docs/authentication.md). */
export function AuthHint({ authKind, jwksUrl }: { authKind: AuthKind; jwksUrl: string }) {
  if (authKind === 'jwt')
    return (
      <p className="text-sm text-slate-600" data-testid="jwt-auth-hint">
        Toolgate signs a short-lived token (5 min) naming the caller for each call; the server validates it
        with Toolgate&apos;s JWKS at <code className="break-all">{jwksUrl}</code>.
      </p>
    );
  if (authKind === 'token_exchange')
    return (
      <p className="text-sm text-slate-600" data-testid="token-exchange-auth-hint">
        For a caller who signed in to the gateway with your identity provider&apos;s JWT, Toolgate exchanges
        that JWT at the token endpoint below (RFC 8693, as the installation&apos;s client) and sends the token
        issued to the server; other callers get an error and nothing is sent.
      </p>
    );
  if (authKind === 'id_jag')
    return (
      <p className="text-sm text-slate-600" data-testid="id-jag-auth-hint">
        For a caller who signed in to the gateway with your identity provider&apos;s JWT, Toolgate has the
        identity provider issue an ID-JAG for the server&apos;s authorization server, redeems it there for an
        access token (RFC 7523) and sends that to the server; other callers get an error and nothing is sent.
      </p>
    );
  if (authKind === 'oauth_passthrough')
    return (
      <p className="text-sm text-slate-600" data-testid="passthrough-auth-hint">
        Only a pass-through gateway forwards callers&apos; tokens to this server: its clients sign in at the
        authorization server below and the gateway checks each token before passing it on unchanged. Every
        other gateway calls this server without a token.
      </p>
    );
  return null;
}
