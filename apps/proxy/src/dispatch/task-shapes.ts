type Result = Record<string, unknown>;

const RELATED_TASK = 'io.modelcontextprotocol/related-task';

const isObject = (v: unknown): v is Result => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A 2025-11-25 task (tasks/get, tasks/cancel, tasks/list, CreateTaskResult) under the gateway's id. */
export const withTaskId = (task: Result, id: string): Result => ({ ...task, taskId: id });

/** A task in the 2026-07-28 extension's shape (`ttlMs`, `pollIntervalMs`), from an upstream's 2025 one. */
export function modernTask(task: Result, id: string): Result {
  return {
    taskId: id,
    status: task.status,
    ...(typeof task.statusMessage === 'string' ? { statusMessage: task.statusMessage } : {}),
    createdAt: task.createdAt,
    lastUpdatedAt: task.lastUpdatedAt ?? task.createdAt,
    ttlMs: typeof task.ttl === 'number' ? task.ttl : null,
    ...(typeof task.pollInterval === 'number' ? { pollIntervalMs: task.pollInterval } : {}),
  };
}

function metaFor(meta: unknown, upstreamId: string, id: string): unknown {
  if (!isObject(meta)) return meta;
  const related = meta[RELATED_TASK];
  if (!isObject(related) || related.taskId !== upstreamId) return meta;
  return { ...meta, [RELATED_TASK]: { ...related, taskId: id } };
}

/**
 * A message or result the upstream sent about a task, naming it by the gateway's id instead of
 * the upstream's: `_meta` related-task (results, relayed requests and notifications) and the
 * `taskId` of `notifications/tasks/status`.
 */
export function relatedTo<T extends Result>(message: T, upstreamId: string, id: string): T {
  const out: Result = { ...message };
  if ('_meta' in out) out._meta = metaFor(out._meta, upstreamId, id);
  if (isObject(out.params)) {
    const params: Result = { ...out.params };
    if (params.taskId === upstreamId) params.taskId = id;
    if ('_meta' in params) params._meta = metaFor(params._meta, upstreamId, id);
    out.params = params;
  }
  return out as T;
}
