import type { DefaultSession } from 'next-auth';

declare module 'next-auth' {
  interface Session {
    /** `id` is our users.id (the JWT's `sub`). */
    user: { id: string } & DefaultSession['user'];
    /** When the user signed in (ms since the epoch); null for cookies issued before we recorded it. */
    signedInAt?: number | null;
  }
}

declare module 'next-auth/jwt' {
  interface JWT {
    /** Set once at sign-in and kept when next-auth refreshes the cookie (unlike `iat`). */
    signedInAt?: number;
  }
}
