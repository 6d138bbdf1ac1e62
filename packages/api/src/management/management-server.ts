import { AppError } from '@toolgate/core/errors';
import type { Logger } from '@toolgate/core/logger';
import { z } from 'zod';
import type { RestDeps } from '../rest/deps.ts';
import { ROUTES, type Route } from '../rest/routes.ts';
import type { UpstreamListing, UpstreamTool } from '../upstream/list-upstream.ts';
import { parseInput, type FieldIssue } from '../validation.ts';
import { resolveManagementCaller, type ManagementPrincipal } from './caller.ts';
import { MANAGEMENT_TOOLS, type ManagementTool } from './tools.ts';

/** The slug of the built-in management server in the catalog. */
export const MANAGEMENT_SERVER_SLUG = 'toolgate';

/** A tools/call result (MCP `CallToolResult`). */
export interface ManagementResult extends Record<string, unknown> {
  content: { type: 'text'; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

interface CompiledTool {
  tool: ManagementTool;
  route: Route;
  definition: UpstreamTool;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Json = Record<string, unknown>;

function inputSchema(tool: ManagementTool, route: Route): Json {
  const input = route.body ?? route.query;
  const base = input
    ? (z.toJSONSchema(input, { io: 'input', unrepresentable: 'any' }) as Json)
    : { type: 'object', properties: {}, additionalProperties: false };
  delete base.$schema;
  const params = Object.entries(tool.params ?? {});
  if (params.length === 0) return base;
  return {
    ...base,
    type: 'object',
    properties: {
      ...Object.fromEntries(
        params.map(([name, { description }]) => [name, { type: 'string', format: 'uuid', description }]),
      ),
      ...(base.properties ?? {}),
    },
    required: [...params.map(([name]) => name), ...((base.required as string[] | undefined) ?? [])],
  };
}

function compile(): Map<string, CompiledTool> {
  const byOperation = new Map(ROUTES.map((r) => [r.operationId, r]));
  return new Map(
    MANAGEMENT_TOOLS.map((tool) => {
      const route = byOperation.get(tool.operationId);
      if (!route) throw new Error(`management tool ${tool.name}: no REST route ${tool.operationId}`);
      const definition: UpstreamTool = {
        name: tool.name,
        title: tool.title,
        description: tool.description,
        inputSchema: inputSchema(tool, route),
        annotations: {
          title: tool.title,
          readOnlyHint: tool.readOnly,
          destructiveHint: tool.destructive ?? false,
          idempotentHint: tool.readOnly,
          openWorldHint: false,
        },
      };
      return [tool.name, { tool, route, definition }];
    }),
  );
}

let compiled: Map<string, CompiledTool> | undefined;
const tools = () => (compiled ??= compile());

/** The management server's tools as tools/list announces them: discovery records these. */
export const managementListing = (): UpstreamListing => ({
  tools: [...tools().values()].map((c) => c.definition),
  hasResources: false,
});

const text = (value: string): ManagementResult['content'] => [{ type: 'text', text: value }];

function refusal(err: AppError): ManagementResult {
  const fields = Array.isArray(err.details?.fields) ? (err.details.fields as FieldIssue[]) : [];
  const lines = [
    err.message,
    ...fields
      .filter((f) => f.path && !err.message.includes(f.message))
      .map((f) => `- ${f.path}: ${f.message}`),
  ];
  const conflicts = err.details && !Array.isArray(err.details.fields) ? err.details : undefined;
  if (conflicts) lines.push(JSON.stringify(conflicts));
  return { content: text(lines.join('\n')), isError: true };
}

/**
 * The built-in management server `toolgate`: each tool runs one REST route in-process, as the
 * calling principal with that principal's current role. A refusal (no permission, bad input, a
 * conflict) is a tool error the model can read and act on, never a protocol error.
 */
export class ManagementServer {
  constructor(
    private readonly deps: RestDeps,
    private readonly log?: Logger,
  ) {}

  async call(principal: ManagementPrincipal, name: string, args: unknown): Promise<ManagementResult> {
    const found = tools().get(name);
    if (!found) return { content: text(`Unknown tool: ${name}`), isError: true };
    try {
      return await this.run(found, principal, args ?? {});
    } catch (err) {
      if (err instanceof AppError) return refusal(err);
      this.log?.error({ err, tool: name }, 'management tool failed');
      return { content: text(`${name} failed inside Toolgate; the error was logged.`), isError: true };
    }
  }

  private async run(
    { tool, route }: CompiledTool,
    principal: ManagementPrincipal,
    args: unknown,
  ): Promise<ManagementResult> {
    if (typeof args !== 'object' || args === null || Array.isArray(args))
      throw new AppError('INVALID', 'The arguments must be an object');
    const caller = await resolveManagementCaller(this.deps.db, principal);
    if (!tool.readOnly && !caller.mayWrite)
      throw new AppError(
        'FORBIDDEN',
        `${tool.name} changes the workspace, and this API token lacks the "admin" capability that changes need`,
      );
    const rest: Record<string, unknown> = { ...(args as Record<string, unknown>) };
    const params: Record<string, string> = {};
    for (const [name, { param }] of Object.entries(tool.params ?? {})) {
      const value = rest[name];
      delete rest[name];
      if (typeof value !== 'string' || !UUID.test(value))
        throw new AppError('INVALID', `${name} must be an id (a UUID), as the list tools return it`, {
          fields: [{ path: name, message: 'must be a UUID' }],
        });
      params[param] = value.toLowerCase();
    }
    const query = route.query ? parseInput(route.query, rest) : undefined;
    const body = route.body ? parseInput(route.body, rest) : undefined;
    if (!route.query && !route.body && Object.keys(rest).length > 0)
      throw new AppError('INVALID', `${tool.name} takes no arguments besides its ids`, {
        fields: Object.keys(rest).map((path) => ({ path, message: 'unknown argument' })),
      });
    const result = await route.handle({ deps: this.deps, caller, params, query }, body);
    if (result === undefined) return { content: text(`Done: ${tool.title.toLowerCase()}.`) };
    return {
      content: text(JSON.stringify(result, null, 2)),
      ...(typeof result === 'object' && result !== null && !Array.isArray(result)
        ? { structuredContent: result as Record<string, unknown> }
        : {}),
    };
  }
}
