import { authenticateUser } from '@toolgate/api/services/authenticate-user';
import { resolveOAuthUser } from '@toolgate/api/services/resolve-oauth-user';
import type { Account, NextAuthOptions, Profile, User } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import GitHubProvider from 'next-auth/providers/github';
import GoogleProvider from 'next-auth/providers/google';
import type { OAuthConfig } from 'next-auth/providers/oauth';
import { webEnv, type WebEnv } from '../../env.ts';
import { authSecret } from './secret.ts';
import { webContext } from '../context.ts';
import { sessionFromToken, sessionJwt } from './web-session.ts';

const SESSION_MAX_AGE_S = 14 * 24 * 60 * 60;

interface OidcProfile extends Profile {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  preferred_username?: string;
}

function oidcProvider(env: WebEnv): OAuthConfig<OidcProfile> | null {
  if (!env.OIDC_ISSUER || !env.OIDC_CLIENT_ID || !env.OIDC_CLIENT_SECRET) return null;
  const issuer = env.OIDC_ISSUER.replace(/\/$/, '');
  return {
    id: 'oidc',
    name: env.OIDC_NAME,
    type: 'oauth',
    wellKnown: `${issuer}/.well-known/openid-configuration`,
    issuer,
    clientId: env.OIDC_CLIENT_ID,
    clientSecret: env.OIDC_CLIENT_SECRET,
    authorization: { params: { scope: 'openid email profile' } },
    idToken: true,
    checks: ['pkce', 'state'],
    profile: (p) => ({ id: p.sub, email: p.email ?? null, name: p.name ?? p.preferred_username ?? null }),
  };
}

/** Whether the provider vouches that the address belongs to whoever signed in. */
async function providerVerifiedEmail(user: User, account: Account, profile: Profile | undefined) {
  const claims = profile as { email_verified?: unknown } | undefined;
  switch (account.provider) {
    case 'google':
    case 'oidc':
      return claims?.email_verified === true;
    case 'github': {
      // GitHub profiles do not say; its email API does (the provider asks for user:email).
      const res = await fetch('https://api.github.com/user/emails', {
        headers: { authorization: `Bearer ${account.access_token}`, accept: 'application/vnd.github+json' },
        signal: AbortSignal.timeout(5_000),
      });
      if (!res.ok) return false;
      const emails = (await res.json()) as { email: string; verified: boolean }[];
      return emails.some((e) => e.verified && e.email.toLowerCase() === user.email?.toLowerCase());
    }
    default:
      return false;
  }
}

let cached: NextAuthOptions | undefined;

/**
 * next-auth v4 with JWT sessions: the cookie carries only our user id (`sub`); memberships and
 * roles are read from the database on every request, so removing someone takes effect at once.
 * A password reset refuses every session signed in before it (see web-session.ts).
 * Identity providers appear only when their variables are set.
 */
export function authOptions(): NextAuthOptions {
  if (cached) return cached;
  const env = webEnv();
  const { log } = webContext();

  const providers: NextAuthOptions['providers'] = [
    CredentialsProvider({
      id: 'credentials',
      name: 'Email and password',
      credentials: { email: { type: 'email' }, password: { type: 'password' } },
      authorize: (credentials) =>
        authenticateUser(webContext().db.db, {
          email: credentials?.email ?? '',
          password: credentials?.password ?? '',
        }),
    }),
  ];
  if (env.GITHUB_CLIENT_ID && env.GITHUB_CLIENT_SECRET) {
    providers.push(
      GitHubProvider({ clientId: env.GITHUB_CLIENT_ID, clientSecret: env.GITHUB_CLIENT_SECRET }),
    );
  }
  if (env.GOOGLE_CLIENT_ID && env.GOOGLE_CLIENT_SECRET) {
    providers.push(
      GoogleProvider({ clientId: env.GOOGLE_CLIENT_ID, clientSecret: env.GOOGLE_CLIENT_SECRET }),
    );
  }
  const oidc = oidcProvider(env);
  if (oidc) providers.push(oidc);

  cached = {
    secret: authSecret(env),
    session: { strategy: 'jwt', maxAge: SESSION_MAX_AGE_S },
    pages: { signIn: '/signin', error: '/signin' },
    providers,
    callbacks: {
      async signIn({ user, account, profile }) {
        if (!account || account.provider === 'credentials') return true;
        const resolved = await resolveOAuthUser(
          webContext().db.db,
          {
            email: user.email,
            name: user.name,
            emailVerified: await providerVerifiedEmail(user, account, profile),
          },
          { signupMode: env.TOOLGATE_SIGNUP },
        );
        if (!resolved) return false;
        // next-auth hands this same object to the jwt callback, whose `sub` must be our user id,
        // not the provider's account id.
        user.id = resolved.id;
        return true;
      },
      jwt: sessionJwt,
      session: sessionFromToken,
    },
    logger: {
      error: (code, metadata) => log.error({ code, metadata }, 'auth error'),
      warn: (code) => log.warn({ code }, 'auth warning'),
      debug: () => {},
    },
  };
  return cached;
}

/** The identity providers configured, for the sign-in page's buttons. */
export function oauthProviders(): { id: string; name: string }[] {
  return authOptions()
    .providers.filter((p) => p.type === 'oauth')
    .map((p) => ({ id: p.id, name: p.name }));
}
