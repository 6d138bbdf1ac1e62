import type { Notification } from '@modelcontextprotocol/sdk/types.js';
import type { ServerVariant } from '../registry/load-installation.ts';
import type { ProxySession } from './proxy-session.ts';

/**
 * Open proxy sessions by id. Sessions outlive their server's idle stops (the next request starts
 * it again); a session without requests for `maxIdleMs` is closed (its proxy re-initializes).
 */
export class ProxySessions {
  private readonly sessions = new Map<string, ProxySession>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly maxIdleMs: number) {
    this.sweeper = setInterval(() => this.sweep(), Math.min(maxIdleMs, 60_000));
    this.sweeper.unref();
  }

  add(session: ProxySession): void {
    this.sessions.set(session.id, session);
  }

  remove(session: ProxySession): void {
    if (this.sessions.get(session.id) === session) this.sessions.delete(session.id);
  }

  /** The session `id` if it was opened for this tenant's installation, on this variant's server. */
  find(
    id: string,
    tenantId: string,
    installationId: string,
    variant: ServerVariant,
  ): ProxySession | undefined {
    const session = this.sessions.get(id);
    return session && matches(session, tenantId, installationId, variant) ? session : undefined;
  }

  /** A server's notification outside calls goes to every session of that server (and variant). */
  broadcast(
    tenantId: string,
    installationId: string,
    variant: ServerVariant,
    notification: Notification,
  ): void {
    for (const session of this.sessions.values())
      if (matches(session, tenantId, installationId, variant)) session.deliver(notification);
  }

  get size(): number {
    return this.sessions.size;
  }

  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.all([...this.sessions.values()].map((s) => s.close()));
    this.sessions.clear();
  }

  private sweep(): void {
    const cutoff = Date.now() - this.maxIdleMs;
    for (const session of this.sessions.values())
      if (session.lastActivity < cutoff) {
        this.sessions.delete(session.id);
        void session.close();
      }
  }
}

const matches = (session: ProxySession, tenantId: string, installationId: string, variant: ServerVariant) =>
  session.tenantId === tenantId && session.installationId === installationId && session.variant === variant;
