import type { NextConfig } from 'next';

const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Workspace packages ship TypeScript sources.
  transpilePackages: [
    '@toolgate/core',
    '@toolgate/db',
    '@toolgate/bus',
    '@toolgate/mcp',
    '@toolgate/net',
    '@toolgate/api',
    '@toolgate/auth',
  ],
  // Native or worker-using packages stay plain Node requires.
  serverExternalPackages: [
    '@electric-sql/pglite',
    '@electric-sql/pglite-socket',
    '@node-rs/argon2',
    'pg',
    'ioredis',
    'bullmq',
    'pino',
    'pino-pretty',
    'nodemailer',
  ],
  // `npm run typecheck` and `npm run lint` own these checks; the build does not repeat them.
  typescript: { ignoreBuildErrors: true },
  // The OAuth consent page must never be framed (clickjacking its Approve button), and its URLs
  // (tickets, codes, state) must not leak to other sites as a Referer. `same-origin`, not
  // `no-referrer`: the latter makes browsers send `Origin: null` on the consent form's POST.
  // The route handlers set the same headers (src/server/oauth/http.ts FRAME_DENY_HEADERS).
  async headers() {
    return [
      {
        source: '/oauth/:path*',
        headers: [
          { key: 'Content-Security-Policy', value: "frame-ancestors 'none'" },
          { key: 'X-Frame-Options', value: 'DENY' },
          { key: 'Referrer-Policy', value: 'same-origin' },
        ],
      },
    ];
  },
};

export default config;
