import { z } from 'zod';
import { ZId, ZTimestamp } from './common.ts';

export const MAX_TOOL_CHANGE_NOTE_CHARS = 1000;

const ZJsonObject = z.record(z.string(), z.unknown());

/** What clients are told about a tool besides its name: what an approval pins. */
export const ZToolDefinition = z.object({
  title: z.string().nullable(),
  description: z.string(),
  inputSchema: ZJsonObject,
  outputSchema: ZJsonObject.nullable(),
  annotations: ZJsonObject.nullable(),
  /** The upstream's `_meta` (MCP Apps' `ui`, …). */
  meta: ZJsonObject.nullable(),
  /** The upstream's `execution` (MCP tasks' `taskSupport`). */
  execution: ZJsonObject.nullable(),
});
export type ToolDefinition = z.infer<typeof ZToolDefinition>;

export const TOOL_CHANGE_STATUSES = ['pending', 'rejected'] as const;

/** `GET /tool-changes`: the changes waiting for review (default), or those rejected. */
export const ZListToolChangesQuery = z.strictObject({
  status: z
    .enum(TOOL_CHANGE_STATUSES)
    .default('pending')
    .meta({ description: '`pending` (default): waiting for review; `rejected`: rejected, still not served' }),
});
export type ListToolChangesQuery = z.input<typeof ZListToolChangesQuery>;

export const ZDecideToolChangeRequest = z.strictObject({
  decision: z.enum(['approve', 'reject']),
  /** Kept in the audit log with the decision. */
  note: z.string().trim().max(MAX_TOOL_CHANGE_NOTE_CHARS).default(''),
  /**
   * The `pendingHash` reviewed: when the upstream has changed the tool again since, the decision
   * is refused (409) instead of applying to a definition nobody saw.
   */
  pendingHash: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
});
export type DecideToolChangeRequest = z.input<typeof ZDecideToolChangeRequest>;

/**
 * A tool whose upstream definition differs from the one clients are served: `new` (never approved:
 * not served at all) or `changed` (clients are served `approved`, or nothing while it waits when
 * the workspace switches changed tools off). The id is the tool's.
 */
export const ZToolChange = z.object({
  id: ZId,
  kind: z.enum(['new', 'changed']),
  status: z.enum(TOOL_CHANGE_STATUSES),
  tool: z.object({ id: ZId, name: z.string(), enabled: z.boolean() }),
  installation: z.object({
    id: ZId,
    name: z.string(),
    scope: z.enum(['org', 'team', 'personal']),
  }),
  server: z.object({ id: ZId, slug: z.string(), name: z.string() }),
  /** What clients are served now; null for a new tool. */
  approved: ZToolDefinition.nullable(),
  approvedHash: z.string().nullable(),
  /** What the upstream lists now. */
  pending: ZToolDefinition,
  pendingHash: z.string(),
  /** When a discovery first listed this definition. */
  since: ZTimestamp,
});
export type ToolChange = z.infer<typeof ZToolChange>;

export const ZToolChangeList = z.object({ toolChanges: z.array(ZToolChange) });

/** A decision taken: the change as it was reviewed, and what clients are served from now on. */
export const ZToolChangeDecision = z.object({
  id: ZId,
  outcome: z.enum(['approved', 'rejected']),
  note: z.string(),
  decidedAt: ZTimestamp,
  toolChange: ZToolChange,
  /** The definition gateways serve now; null for a new tool rejected (not served). */
  served: ZToolDefinition.nullable(),
});
export type ToolChangeDecision = z.infer<typeof ZToolChangeDecision>;

/** Tool-definition pinning, as the workspace chose it. */
export const ZToolPinningSettings = z.object({
  /** Tools a discovery finds for the first time are served without review (default true). */
  autoApproveNewTools: z.boolean(),
  /**
   * While a changed definition waits: `serve_approved` (default) keeps serving the approved one;
   * `disable` takes the tool off until the change is approved.
   */
  onToolChange: z.enum(['serve_approved', 'disable']),
});
export type ToolPinningSettings = z.infer<typeof ZToolPinningSettings>;

/** `PUT /settings/tool-pinning`: either or both. */
export const ZSetToolPinningSettingsRequest = z
  .strictObject({
    autoApproveNewTools: z.boolean().optional(),
    onToolChange: z.enum(['serve_approved', 'disable']).optional(),
  })
  .refine((r) => r.autoApproveNewTools !== undefined || r.onToolChange !== undefined, {
    message: 'give autoApproveNewTools, onToolChange or both',
  });
export type SetToolPinningSettingsRequest = z.input<typeof ZSetToolPinningSettingsRequest>;
