import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  InMemoryTaskMessageQueue,
  InMemoryTaskStore,
  type TaskStore,
} from '@modelcontextprotocol/sdk/experimental/tasks';
import { serveStreamableHttp, type RunningHttpServer } from '@toolgate/fixtures/streamable-http-host';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import * as z from 'zod/v4';

/**
 * The SDK's in-memory store with tasks bound to no MCP session: the spec binds tasks to the
 * authorization context (the credential, here none), and a gateway's replicas each hold their own
 * upstream session with the same credential, so a task must outlive the session that created it.
 */
class CredentialScopedStore implements TaskStore {
  constructor(readonly inner: InMemoryTaskStore) {}
  createTask(...[params, requestId, request]: Parameters<TaskStore['createTask']>) {
    return this.inner.createTask(params, requestId, request);
  }
  getTask(taskId: string) {
    return this.inner.getTask(taskId);
  }
  storeTaskResult(...[taskId, status, result]: Parameters<TaskStore['storeTaskResult']>) {
    return this.inner.storeTaskResult(taskId, status, result);
  }
  getTaskResult(taskId: string) {
    return this.inner.getTaskResult(taskId);
  }
  updateTaskStatus(...[taskId, status, message]: Parameters<TaskStore['updateTaskStatus']>) {
    return this.inner.updateTaskStatus(taskId, status, message);
  }
  listTasks(cursor?: string) {
    return this.inner.listTasks(cursor);
  }
}

/**
 * An upstream that serves MCP tasks (2025-11-25, SEP-1686) with the v1 SDK's experimental tasks
 * API, over Streamable HTTP sessions, one task store for every session (see CredentialScopedStore).
 *
 * - `slow_echo` (taskSupport optional): a task that completes `ms` after it starts, echoing `text`;
 * - `hold` (taskSupport required): a task that runs until it is cancelled;
 * - `plain`: an ordinary tool (the SDK lists it with taskSupport forbidden).
 */
export async function startTasksUpstream(): Promise<RunningHttpServer & { store: TaskStore }> {
  const memory = new InMemoryTaskStore();
  const store = new CredentialScopedStore(memory);
  const queue = new InMemoryTaskMessageQueue();
  const timers = new Set<NodeJS.Timeout>();
  const factory = () => {
    const server = new McpServer(
      { name: 'tasks-upstream', version: '1.0.0' },
      {
        capabilities: { tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } },
        taskStore: store,
        taskMessageQueue: queue,
      },
    );
    server.experimental.tasks.registerToolTask(
      'slow_echo',
      {
        description: 'Echoes a text after a while, as a task',
        inputSchema: { text: z.string(), ms: z.number().int().min(0).max(60_000).default(200) },
        execution: { taskSupport: 'optional' },
      },
      {
        async createTask({ text, ms }, { taskStore, taskRequestedTtl }) {
          const task = await taskStore.createTask({ ttl: taskRequestedTtl ?? 60_000, pollInterval: 50 });
          const timer = setTimeout(() => {
            timers.delete(timer);
            void taskStore
              .storeTaskResult(task.taskId, 'completed', {
                content: [{ type: 'text', text: `echo: ${text}` }],
              })
              // Cancelled meanwhile: a terminal task keeps its status.
              .catch(() => undefined);
          }, ms);
          timers.add(timer);
          return { task };
        },
        getTask: (_args, { taskId, taskStore }) => taskStore.getTask(taskId),
        getTaskResult: async (_args, { taskId, taskStore }) =>
          (await taskStore.getTaskResult(taskId)) as CallToolResult,
      },
    );
    server.experimental.tasks.registerToolTask(
      'hold',
      { description: 'Runs until cancelled', execution: { taskSupport: 'required' } },
      {
        async createTask({ taskStore, taskRequestedTtl }) {
          return { task: await taskStore.createTask({ ttl: taskRequestedTtl ?? 60_000, pollInterval: 50 }) };
        },
        getTask: ({ taskId, taskStore }) => taskStore.getTask(taskId),
        getTaskResult: async ({ taskId, taskStore }) =>
          (await taskStore.getTaskResult(taskId)) as CallToolResult,
      },
    );
    server.registerTool('plain', { description: 'An ordinary tool' }, () => ({
      content: [{ type: 'text', text: 'plain' }],
    }));
    return server;
  };
  const running = await serveStreamableHttp(factory);
  return {
    url: running.url,
    store,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      memory.cleanup();
      await running.close();
    },
  };
}
