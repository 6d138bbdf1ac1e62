import type { SnapshotTool } from '@toolgate/core/snapshot';
import type { UpstreamTarget } from '@toolgate/mcp/upstream';
import { resolveInstallation, type UpstreamTargets } from '../backend/upstream-target.ts';
import type { PreparedGateway, PreparedInstallation } from '../config/snapshot-store.ts';
import type { Principal } from '../mcp-call.ts';
import type { TraceSpan } from '../observability/tracing.ts';

export interface ResolvedCredential {
  installation?: PreparedInstallation;
  disabled?: boolean;
  target?: UpstreamTarget;
}

/**
 * The installation that serves this caller, whether it has this tool turned off, and, when the
 * call goes upstream, its target (credentials decrypted, cached). Traced in `span`
 * (`mcp.credential.resolve`), which it ends.
 */
export async function resolveCredential(
  targets: UpstreamTargets,
  input: {
    gateway: PreparedGateway;
    tool: SnapshotTool;
    principal: Principal;
    subjectToken?: string;
  },
  span: TraceSpan | undefined,
): Promise<ResolvedCredential> {
  const { gateway, tool, principal } = input;
  try {
    const installation = resolveInstallation(gateway, tool, principal);
    if (span) {
      span.set('toolgate.installation.id', installation?.id ?? '');
      span.set('toolgate.installation.scope', installation?.scope ?? 'none');
    }
    if (!installation) return {};
    if (installation.disabledTools?.includes(tool.upstreamName)) return { installation, disabled: true };
    const upstream = gateway.upstreams.get(tool.entryId)!;
    if (tool.synthetic || upstream.transport === 'builtin') return { installation };
    // A `jwt` upstream's target carries a token signed for this caller (waits for the key once).
    return {
      installation,
      target: await targets.forCaller(upstream, installation, principal, input.subjectToken),
    };
  } catch (err) {
    span?.fail((err as Error).message);
    throw err;
  } finally {
    span?.end();
  }
}
