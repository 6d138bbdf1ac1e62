import { canonicalJson, sha256Hex } from '../canonical-json.ts';
import type { UpstreamTool } from './list-upstream.ts';

/**
 * `tools.schema_hash`: SHA-256 of the canonical JSON of everything a client is told about a tool
 * (a changed description can change behaviour as much as a changed schema), so an approval pinned
 * to a hash breaks on any change.
 */
export const toolSchemaHash = (tool: UpstreamTool): string =>
  sha256Hex(
    canonicalJson({
      name: tool.name,
      title: tool.title ?? null,
      description: tool.description ?? '',
      inputSchema: tool.inputSchema,
      outputSchema: tool.outputSchema ?? null,
      annotations: tool.annotations ?? null,
      // Only when present, so the hashes of tools without `_meta` (every approval so far) hold.
      ...(tool._meta ? { _meta: tool._meta } : {}),
      ...(tool.execution ? { execution: tool.execution } : {}),
    }),
  );
