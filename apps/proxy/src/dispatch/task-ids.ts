import { openString, seal, type KeyRing } from '@toolgate/core/crypto';
import { JsonRpcError, RPC } from '@toolgate/mcp/jsonrpc';

/** Whose task it is: only this caller, on this gateway of this tenant, may use its id. */
export interface TaskOwner {
  tenantId: string;
  gatewayId: string;
  principalId: string;
}

/** What a gateway task id says, sealed: any replica can route it, nobody can forge or read it. */
export interface TaskClaim extends TaskOwner {
  /** The gateway's name of the tool that created the task (routing, audit). */
  tool: string;
  /** The installation that served the call: the upstream session that owns the task. */
  installationId: string;
  upstreamTaskId: string;
  /** Unix ms after which the id is refused. */
  exp: number;
}

/** Longest a gateway task id stays usable, whatever ttl the upstream gives (null: unlimited). */
export const MAX_TASK_TTL_MS = 24 * 60 * 60 * 1000;
/** Task ids kept per caller for `tasks/list`, newest last. */
export const TASK_INDEX_MAX = 100;
/** Longer than any id this gateway issues, so junk is refused before any crypto. */
const MAX_TASK_ID_CHARS = 4_096;
const TASK_AAD = 'toolgate:task-id';

/** The spec's error for an unknown task (-32602); the same whether forged, foreign or expired. */
export const unknownTask = () =>
  new JsonRpcError(
    RPC.INVALID_PARAMS,
    'Failed to retrieve task: Task not found (not a task this gateway created for you, or it expired)',
  );

/** When a task's gateway id expires: its ttl from now, capped. */
export function taskExpiry(ttl: unknown, now = Date.now()): number {
  const ms = typeof ttl === 'number' && Number.isFinite(ttl) && ttl > 0 ? ttl : MAX_TASK_TTL_MS;
  return now + Math.min(ms, MAX_TASK_TTL_MS);
}

export function sealTaskId(keys: KeyRing, claim: TaskClaim): string {
  const packed = {
    t: claim.tenantId,
    g: claim.gatewayId,
    p: claim.principalId,
    n: claim.tool,
    i: claim.installationId,
    u: claim.upstreamTaskId,
    x: claim.exp,
  };
  return seal(keys, JSON.stringify(packed), TASK_AAD);
}

/** Opens a client's task id; refused (unknownTask) unless it is this owner's and still fresh. */
export function openTaskId(keys: KeyRing, taskId: unknown, owner: TaskOwner): TaskClaim {
  if (typeof taskId !== 'string' || taskId.length === 0 || taskId.length > MAX_TASK_ID_CHARS)
    throw unknownTask();
  let packed: Record<string, unknown>;
  try {
    packed = JSON.parse(openString(keys, taskId, TASK_AAD)) as Record<string, unknown>;
  } catch {
    throw unknownTask();
  }
  const { t, g, p, n, i, u, x } = packed;
  if (
    t !== owner.tenantId ||
    g !== owner.gatewayId ||
    p !== owner.principalId ||
    typeof n !== 'string' ||
    typeof i !== 'string' ||
    typeof u !== 'string' ||
    typeof x !== 'number' ||
    !(x > Date.now())
  )
    throw unknownTask();
  return { ...owner, tool: n, installationId: i, upstreamTaskId: u, exp: x };
}

/** The bus key of a caller's task index (`tasks/list`). */
export const taskIndexKey = (owner: TaskOwner): string =>
  `tasks:${owner.tenantId}:${owner.gatewayId}:${owner.principalId}`;
