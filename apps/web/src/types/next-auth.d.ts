import type { DefaultSession } from 'next-auth';

declare module 'next-auth' {
  interface Session {
    /** `id` is our users.id (the JWT's `sub`). */
    user: { id: string } & DefaultSession['user'];
  }
}
