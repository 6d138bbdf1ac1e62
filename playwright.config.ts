import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defineConfig } from '@playwright/test';
import { makeLocalhostCertificate } from './e2e/oauth-client.ts';

/**
 * Browser tests drive Debian's Chromium (never a downloaded browser) against a real
 * `toolgate start` with embedded defaults and a throwaway data directory.
 */
const WEB_PORT = Number(process.env.E2E_WEB_PORT ?? 3310);
const PROXY_PORT = Number(process.env.E2E_PROXY_PORT ?? 4310);
const STRIPE_PORT = Number(process.env.E2E_STRIPE_PORT ?? 12310);
const dataDir = mkdtempSync(path.join(tmpdir(), 'tg-e2e-'));
// No SMTP in tests: the web app also writes each email (reset and invitation links) here, and the
// specs read them. Workers load this file again, so the directory travels in the environment.
process.env.E2E_MAIL_OUTBOX_DIR ??= mkdtempSync(path.join(tmpdir(), 'tg-e2e-mail-'));
// Client ID Metadata Documents must be served over https: the specs serve them with a throwaway
// certificate for localhost that the server under test trusts (and nothing else does).
process.env.E2E_TLS_DIR ??= makeLocalhostCertificate().dir;

/**
 * Billing (e2e/billing.spec.ts) runs against the local Stripe-compatible server. A `free` default
 * plan with no limits and every feature keeps the other specs as they were with no plans at all;
 * `team` is the plan Checkout sells. Specs read these to find the server and the plans.
 */
process.env.E2E_STRIPE_URL ??= `http://127.0.0.1:${STRIPE_PORT}`;
const STRIPE_SECRET_KEY = 'sk_test_e2e_local';
const STRIPE_WEBHOOK_SECRET = 'whsec_e2e_local';
const E2E_PLANS = {
  defaultPlan: 'free',
  plans: {
    free: { title: 'Free', features: ['idpJwt', 'idJag', 'policies'] },
    team: { title: 'Team', features: ['idpJwt', 'idJag', 'policies'], stripePriceId: 'price_e2e_team' },
  },
};
const STRIPE_SERVER_CONFIG = {
  prices: [
    {
      id: 'price_e2e_team',
      product: { name: 'Toolgate Team' },
      unit_amount: 2900,
      currency: 'usd',
      recurring: { interval: 'month' },
    },
  ],
};

export default defineConfig({
  testDir: './e2e',
  outputDir: './test-results',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: process.env.CI ? [['list']] : [['list']],
  timeout: 60_000,
  use: {
    baseURL: `http://127.0.0.1:${WEB_PORT}`,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    // No smooth scrolling or transitions: nothing moves under a click (the app honours the setting).
    contextOptions: { reducedMotion: 'reduce' },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-gpu',
      ],
    },
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
  webServer: [
    {
      command: `node --import tsx packages/fixtures/src/stripe-server/serve.ts --port ${STRIPE_PORT}`,
      url: `${process.env.E2E_STRIPE_URL}/`,
      timeout: 30_000,
      reuseExistingServer: false,
      stdout: 'ignore',
      stderr: 'pipe',
      env: {
        STRIPE_SECRET_KEY,
        STRIPE_WEBHOOK_SECRET,
        STRIPE_WEBHOOK_URL: `http://127.0.0.1:${WEB_PORT}/api/stripe/webhook`,
        STRIPE_SERVER_CONFIG: JSON.stringify(STRIPE_SERVER_CONFIG),
      },
    },
    {
      command: 'node apps/cli/bin/toolgate.js start',
      url: `http://127.0.0.1:${WEB_PORT}/readyz`,
      timeout: 120_000,
      reuseExistingServer: false,
      stdout: 'ignore',
      stderr: 'pipe',
      env: {
        TOOLGATE_DATA_DIR: dataDir,
        WEB_PORT: String(WEB_PORT),
        PROXY_PORT: String(PROXY_PORT),
        WORKER_PORT: '0',
        // The address the browser uses: sign-in (next-auth) builds its URLs from it.
        PUBLIC_WEB_URL: `http://127.0.0.1:${WEB_PORT}`,
        // Gateway URLs shown in the UI point at this proxy; the golden path's upstream is on loopback.
        PUBLIC_MCP_URL: `http://127.0.0.1:${PROXY_PORT}`,
        TOOLGATE_ALLOW_PRIVATE_UPSTREAMS: 'true',
        DATABASE_URL: '',
        REDIS_URL: '',
        LOG_LEVEL: 'warn',
        // Mail goes to the outbox, never to a relay configured in the developer's shell.
        SMTP_URL: '',
        TOOLGATE_MAIL_OUTBOX_DIR: process.env.E2E_MAIL_OUTBOX_DIR,
        // Without SMTP verification would be off (auto): the specs verify sign-ups through the outbox.
        TOOLGATE_EMAIL_VERIFICATION: 'required',
        NODE_EXTRA_CA_CERTS: path.join(process.env.E2E_TLS_DIR, 'cert.pem'),
        TOOLGATE_PLANS: JSON.stringify(E2E_PLANS),
        // Connected accounts due a refresh are found within 2 s, not 30 (the connections specs wait for it).
        CONNECTION_REFRESH_INTERVAL_MS: '2000',
        STRIPE_SECRET_KEY,
        STRIPE_WEBHOOK_SECRET,
        STRIPE_API_URL: process.env.E2E_STRIPE_URL,
      },
    },
  ],
});
