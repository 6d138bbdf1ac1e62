import type { ToolDefinition, tools } from '@toolgate/db/schema';
import type { UpstreamTool } from '../../upstream/list-upstream.ts';

/** A tool's definition as the upstream lists it: what an approval pins and clients are served. */
export const listedDefinition = (tool: UpstreamTool): ToolDefinition => ({
  title: tool.title ?? null,
  description: tool.description ?? '',
  inputSchema: tool.inputSchema,
  outputSchema: tool.outputSchema ?? null,
  annotations: tool.annotations ?? null,
  meta: tool._meta ?? null,
  execution: tool.execution ?? null,
});

/** The definition a tool row holds from the last discovery (the upstream's, approved or not). */
export const recordedDefinition = (row: typeof tools.$inferSelect): ToolDefinition => ({
  title: row.title,
  description: row.description,
  inputSchema: row.inputSchema,
  outputSchema: row.outputSchema ?? null,
  annotations: row.annotations ?? null,
  meta: row.meta ?? null,
  execution: row.execution ?? null,
});

/** Whether a recorded change waits for review: it differs from the approved one and was not rejected. */
export const changeWaits = (
  row: Pick<typeof tools.$inferSelect, 'pendingSince' | 'rejectedHash' | 'schemaHash'>,
) => row.pendingSince !== null && row.rejectedHash !== row.schemaHash;
