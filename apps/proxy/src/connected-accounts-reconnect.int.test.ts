import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { listConnections } from '@toolgate/api/services/connections';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { URL_ELICITATION_REQUIRED } from './backend/connection-required.ts';
import {
  PUBLIC_WEB_URL,
  startConnectedAccounts,
  subjectOf,
  type CallAnswer,
  type ConnectedAccounts,
} from './testing/connected-accounts-harness.ts';

/**
 * Reconnecting a connected account, through the official SDK client: the user withdraws Toolgate's
 * access at the server (oidc-provider revokes the grant: its access and refresh tokens stop
 * working), the next call's refresh is refused, the connection needs reconnecting and callers are
 * sent to the page that does it; once the user has consented again, the sessions the clients
 * already had call as the account again, with the new token.
 */
type User = 'alice' | 'bob';
let w: ConnectedAccounts<User>;

beforeAll(async () => {
  w = await startConnectedAccounts({
    postgresUrl: inject('postgresUrl'),
    redisUrl: inject('redisUrl'),
    users: ['alice', 'bob'],
  });
});

afterAll(async () => {
  await w?.close();
});

type Connection = Awaited<ReturnType<typeof listConnections>>[number];

const connectionOf = async (name: User): Promise<Connection> => {
  const [connection, ...more] = await listConnections({
    db: w.h.db.db,
    tenantId: w.tenant.id,
    actor: w.actor(name),
  });
  expect(more).toEqual([]);
  return connection!;
};

const whoami = { name: 'notes__whoami', arguments: {} };

/** What the SDK client's `callTool` gives back, as the raw answer's `result`. */
const asAnswer = (result: unknown): CallAnswer => ({ result: result as CallAnswer['result'] });

/** The `sub` a call reached the upstream as, or the text of the tool error it got instead. */
const callAs = async (client: Client): Promise<string | undefined> => {
  const answer = asAnswer(await client.callTool(whoami));
  return answer.result?.isError ? answer.result.content[0]?.text : subjectOf(answer);
};

describe('reconnecting a connected account (SDK client, oidc-provider)', () => {
  it.each([
    {
      name: 'alice' as const,
      how: 'connecting again from the link the call gave',
      input: (): Record<string, string> => ({}),
    },
    {
      name: 'bob' as const,
      how: 'Reconnect on the connection',
      input: (c: Connection): Record<string, string> => ({ installationId: c.installationId }),
    },
  ])(
    'a refused refresh sends $name to reconnect; after $how the same client sessions call with the new token',
    async ({ name, input }) => {
      const link = `${PUBLIC_WEB_URL}/t/${w.tenant.slug}/connections?connect=${w.entryId}`;
      const { done } = await w.connect(name);
      // Two clients that stay open throughout: one takes URL elicitations, one does not.
      const plain = await w.sdkClient(name);
      const eliciting = await w.sdkClient(name, { elicitation: { url: {} } });
      const sessions = [plain.transport.sessionId, eliciting.transport.sessionId];
      expect(sessions.every((s) => typeof s === 'string')).toBe(true);
      try {
        // The gateway reloads when the account is stored: poll until it calls as the account.
        await expect.poll(() => callAs(plain.client), { timeout: 10_000 }).toBe(name);
        expect(await callAs(eliciting.client)).toBe(name);
        const tokensBefore = new Set(w.upstream.seen.tokens.map((t) => t.jti));

        // The user withdraws Toolgate's access at the server: every token of the grant is dead.
        expect(await w.upstream.revokeAccount(name)).toBeGreaterThan(0);
        const rejectedBefore = w.upstream.seen.rejected.length;
        const refused = asAnswer(await plain.client.callTool(whoami));
        expect(refused.result?.isError).toBe(true);
        expect(refused.result?.content[0]?.text).toBe(
          `Your account at Notes must be connected again: open ${link}, then call the tool again.`,
        );
        // The server did refuse the token; the proxy's refresh was refused too.
        expect(w.upstream.seen.rejected.slice(rejectedBefore)).toContainEqual(
          expect.objectContaining({ status: 401 }),
        );
        const stale = await connectionOf(name);
        expect(stale).toMatchObject({
          id: done.connectionId,
          installationId: done.installationId,
          status: 'needs_reconnect',
        });
        expect(stale.lastError).toMatch(/^The server refused to refresh the token/);

        // A client that takes URL elicitations is asked to open the same page (-32042).
        const elicited = await eliciting.client.callTool(whoami).then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(elicited).toBeInstanceOf(McpError);
        expect(elicited).toMatchObject({
          code: URL_ELICITATION_REQUIRED,
          data: { elicitations: [{ mode: 'url', url: link }] },
        });
        expect((elicited as McpError).message).toContain('must be connected again');

        // The user reconnects: start, consent at the server, callback.
        const { done: again } = await w.connect(name, { input: input(stale) });
        expect(again).toMatchObject({
          connectionId: stale.id,
          installationId: stale.installationId,
          created: false,
        });
        const fresh = await connectionOf(name);
        expect(fresh).toMatchObject({ id: stale.id, status: 'active', lastError: null });

        // The sessions the clients already had: they call as the account again, with a new token.
        await expect.poll(() => callAs(plain.client), { timeout: 10_000 }).toBe(name);
        expect(await callAs(eliciting.client)).toBe(name);
        const used = w.upstream.seen.tokens.filter((t) => t.sub === name).at(-1)!;
        expect(tokensBefore.has(used.jti)).toBe(false);
        expect([plain.transport.sessionId, eliciting.transport.sessionId]).toEqual(sessions);
      } finally {
        await plain.client.close();
        await eliciting.client.close();
      }
    },
  );
});
