import type { NextConfig } from 'next';

const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Workspace packages ship TypeScript sources.
  transpilePackages: ['@toolgate/core', '@toolgate/db', '@toolgate/bus', '@toolgate/mcp', '@toolgate/api'],
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
};

export default config;
