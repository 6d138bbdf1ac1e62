import { buildToolSearchIndex, searchTools, type ToolSearchIndex } from '@toolgate/core/tool-search';
import {
  resultMessage,
  type JsonRpcRequestMessage,
  type JsonRpcResponseMessage,
} from '@toolgate/mcp/jsonrpc';
import type { UsageDraft } from '../usage/meter.ts';

/**
 * Tool exposure 'search': instead of every assigned tool, tools/list shows two gateway tools.
 * `search_tools` ranks the gateway's tools against a query (packages/core tool-search);
 * `call_tool` runs one of them by name, through the same path as a direct tools/call. Direct
 * calls of real names still work. An assigned tool that already uses one of these names wins:
 * it is listed and called in place of the gateway tool of that name.
 */

export const SEARCH_TOOLS = 'search_tools';
export const CALL_TOOL = 'call_tool';
const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 50;

/** What search_tools answers about a tool. */
export interface FoundTool {
  name: string;
  title?: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

export type ToolSearch = ToolSearchIndex<FoundTool>;

const SEARCH_TOOLS_DEFINITION = {
  name: SEARCH_TOOLS,
  title: 'Search tools',
  description:
    'Finds tools of this gateway for a task. Pass a few words describing what you want to do ' +
    '(for example "create issue" or "send email"); the best matching tools come back first, with ' +
    'their names, descriptions and input schemas. An empty query lists tools by name. Run a tool ' +
    `you found with ${CALL_TOOL}.`,
  inputSchema: {
    type: 'object',
    properties: {
      query: { type: 'string', description: 'Words describing the task; empty to browse by name.' },
      limit: {
        type: 'integer',
        minimum: 1,
        maximum: MAX_LIMIT,
        default: DEFAULT_LIMIT,
        description: `How many tools to return at most (default ${DEFAULT_LIMIT}).`,
      },
    },
    required: ['query'],
  },
  outputSchema: {
    type: 'object',
    properties: {
      tools: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            title: { type: 'string' },
            description: { type: 'string' },
            inputSchema: { type: 'object' },
          },
          required: ['name', 'description', 'inputSchema'],
        },
      },
    },
    required: ['tools'],
  },
  annotations: {
    title: 'Search tools',
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
};

const CALL_TOOL_DEFINITION = {
  name: CALL_TOOL,
  title: 'Call a tool',
  description:
    `Runs a tool of this gateway by name, as ${SEARCH_TOOLS} returned it, with arguments that ` +
    "match that tool's inputSchema. The answer is the tool's own result. What the call does " +
    'depends on the tool: it may change data or reach outside services.',
  inputSchema: {
    type: 'object',
    properties: {
      name: { type: 'string', description: `The tool's name, as ${SEARCH_TOOLS} returned it.` },
      arguments: { type: 'object', description: "The tool's arguments, matching its inputSchema." },
    },
    required: ['name'],
  },
  annotations: {
    title: 'Call a tool',
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: false,
    openWorldHint: true,
  },
};

/** Built once per prepared snapshot: the search index and what tools/list shows instead. */
export function prepareToolSearch(listedTools: readonly Record<string, unknown>[]): {
  toolSearch: ToolSearch;
  listedTools: Record<string, unknown>[];
} {
  const found = listedTools.map((t) => {
    const { name, title, description, inputSchema } = t as unknown as FoundTool;
    return { name, ...(title ? { title } : {}), description, inputSchema };
  });
  const byName = new Map(listedTools.map((t) => [t.name as string, t]));
  return {
    toolSearch: buildToolSearchIndex(found),
    listedTools: [SEARCH_TOOLS_DEFINITION, CALL_TOOL_DEFINITION].map((meta) => byName.get(meta.name) ?? meta),
  };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Arguments a meta tool cannot use: answered as a tool error the model can correct (MCP 2025-11-25). */
class InvalidArguments extends Error {}
const invalid = (message: string) => new InvalidArguments(message);

const toolError = (id: JsonRpcRequestMessage['id'], text: string): JsonRpcResponseMessage =>
  resultMessage(id, { content: [{ type: 'text', text }], isError: true });

/** How a tools/call is handled: answered here, or passed on (possibly unwrapped) as a direct call. */
export type ToolCallRoute = { reply: JsonRpcResponseMessage } | { call: JsonRpcRequestMessage };

/**
 * Routes a tools/call of a search-exposure gateway. Malformed meta-tool arguments are answered as
 * tool errors (isError), as the specification recommends for input validation, so the model
 * sees what to fix.
 */
export function routeToolCall(
  toolSearch: ToolSearch,
  toolNames: ReadonlyMap<string, unknown>,
  message: JsonRpcRequestMessage,
  usage: UsageDraft | undefined,
  /** Tools this caller may see (policies); search_tools finds no others. */
  visible?: (name: string) => boolean,
): ToolCallRoute {
  try {
    return routeMetaCall(toolSearch, toolNames, message, usage, visible);
  } catch (err) {
    if (err instanceof InvalidArguments)
      return { reply: toolError(message.id, `Invalid arguments: ${err.message}`) };
    throw err;
  }
}

function routeMetaCall(
  toolSearch: ToolSearch,
  toolNames: ReadonlyMap<string, unknown>,
  message: JsonRpcRequestMessage,
  usage: UsageDraft | undefined,
  visible: ((name: string) => boolean) | undefined,
): ToolCallRoute {
  const params = message.params ?? {};
  const name = params.name;
  if (typeof name !== 'string' || toolNames.has(name)) return { call: message };
  if (name === SEARCH_TOOLS) {
    if (usage) usage.toolName = SEARCH_TOOLS;
    return { reply: resultMessage(message.id, search(toolSearch, params.arguments, visible)) };
  }
  if (name !== CALL_TOOL) return { call: message };
  if (usage) usage.toolName = CALL_TOOL;
  const args = params.arguments;
  if (!isObject(args)) throw invalid(`${CALL_TOOL} needs arguments { name, arguments? }`);
  if (typeof args.name !== 'string' || args.name.length === 0)
    throw invalid(`"name" (the tool to call) is required`);
  if (args.arguments !== undefined && !isObject(args.arguments))
    throw invalid(`"arguments" must be an object`);
  if (!toolNames.has(args.name)) {
    return {
      reply: toolError(
        message.id,
        `Unknown tool: ${args.name}. Use ${SEARCH_TOOLS} to find the tools of this gateway.`,
      ),
    };
  }
  // From here on the call is the tool's own: the tool caller names it in the usage event.
  usage?.forward(args.arguments);
  return {
    call: {
      ...message,
      params: {
        ...(params._meta !== undefined ? { _meta: params._meta } : {}),
        name: args.name,
        ...(args.arguments !== undefined ? { arguments: args.arguments } : {}),
      },
    },
  };
}

function search(
  toolSearch: ToolSearch,
  args: unknown,
  visible: ((name: string) => boolean) | undefined,
): Record<string, unknown> {
  if (!isObject(args) || typeof args.query !== 'string') throw invalid('"query" (a string) is required');
  const limit = args.limit ?? DEFAULT_LIMIT;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
    throw invalid(`"limit" must be an integer from 1 to ${MAX_LIMIT}`);
  const tools = visible
    ? searchTools(toolSearch, args.query, MAX_LIMIT)
        .filter((t) => visible(t.name))
        .slice(0, limit)
    : searchTools(toolSearch, args.query, limit);
  return { content: [{ type: 'text', text: render(args.query, tools) }], structuredContent: { tools } };
}

function render(query: string, tools: FoundTool[]): string {
  if (tools.length === 0) return `No tools match "${query}". Try other words, or an empty query to browse.`;
  const lines = tools.map(
    (t) => `- ${t.name}: ${t.description.split('\n', 1)[0]}\n  input: ${JSON.stringify(t.inputSchema)}`,
  );
  return `${tools.length} tool(s); run one with ${CALL_TOOL} { name, arguments }.\n${lines.join('\n')}`;
}
