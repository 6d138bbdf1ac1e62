/**
 * The tools of the built-in management server `toolgate`. Each one runs one REST route (by its
 * operationId) as the calling principal, so the REST API's validation, services and role checks
 * are the management server's too: nothing here decides who may do what.
 *
 * Descriptions are written for a model: what the tool does, when to use it, what it returns.
 */

export interface ManagementTool {
  name: string;
  title: string;
  description: string;
  /** The REST route it runs. */
  operationId: string;
  /** Arguments that fill the route's `{param}` path segments, by argument name → path param. */
  params?: Record<string, { param: string; description: string }>;
  /** True for tools that change nothing (GET routes). */
  readOnly: boolean;
  /** True for tools that remove or revoke something. */
  destructive?: boolean;
}

const gatewayId = { gatewayId: { param: 'id', description: 'The gateway id (from list_gateways).' } };
const installationId = {
  installationId: { param: 'id', description: 'The installation id (from list_installations).' },
};

export const MANAGEMENT_TOOLS: readonly ManagementTool[] = [
  {
    name: 'list_gateways',
    title: 'List gateways',
    operationId: 'listGateways',
    readOnly: true,
    description:
      "Lists the Toolgate gateways of this workspace that the caller can see: each gateway's id, slug, name, visibility, the MCP URL clients connect to, and the tools assigned to it. Use it first to find a gateway's id before get_gateway or set_gateway_tools.",
  },
  {
    name: 'get_gateway',
    title: 'Get a gateway',
    operationId: 'getGateway',
    params: gatewayId,
    readOnly: true,
    description:
      'Returns one gateway by id: its settings, MCP URL and tool assignments (registryEntryId + toolName, pinned installation, alias). Use it to inspect a gateway before changing its tools.',
  },
  {
    name: 'create_gateway',
    title: 'Create a gateway',
    operationId: 'createGateway',
    readOnly: false,
    description:
      'Creates a gateway: a named MCP endpoint that exposes a chosen set of tools. Needs an owner or admin. Give a slug (lowercase letters, digits and dashes; it becomes part of the URL) and a name; visibility "org" (default) lets every member connect, "teams" only the listed teamIds. The new gateway has no tools: assign some with set_gateway_tools. Returns the gateway with its id and MCP URL.',
  },
  {
    name: 'set_gateway_tools',
    title: "Set a gateway's tools",
    operationId: 'setGatewayAssignments',
    params: gatewayId,
    readOnly: false,
    description:
      'Replaces the full list of tools (and prompts) a gateway exposes. Needs an owner or admin. Each assignment names a registryEntryId (the server, from list_servers or list_installations) and the upstream toolName (from list_installations); installationId pins one installation, otherwise each caller uses their own. Tools not in the list are removed from the gateway, so include the ones to keep (get_gateway shows the current list). Returns the names clients will see.',
  },
  {
    name: 'list_servers',
    title: 'List servers',
    operationId: 'listRegistryEntries',
    readOnly: true,
    description:
      "Lists the MCP servers that can be installed: the workspace's own registry entries and Toolgate's built-in catalog (builtIn: true), with each one's id, slug, transport, authentication kind and the install fields it asks for. Use it to find the registryEntryId for install_server.",
  },
  {
    name: 'install_server',
    title: 'Install a server',
    operationId: 'createInstallation',
    readOnly: false,
    description:
      'Installs a server from the registry so gateways can use its tools, and discovers its tools. scope "personal" installs it for the caller (anyone may), "org" for the whole workspace and "team" (with teamId) for one team need an owner or admin (or, for a team, its maintainer). values holds the install fields list_servers names (secret values are encrypted and never shown again). Returns the installation with its status and discovered tools.',
  },
  {
    name: 'list_installations',
    title: 'List installations',
    operationId: 'listInstallations',
    readOnly: true,
    description:
      "Lists the installed servers the caller can see (org-wide, their teams', their own): id, name, scope, status (ready, unreachable, auth_failed, error, pending) with the last error, and the tools discovered on each. Use it to find tool names for set_gateway_tools and installation ids for rotate_installation_credentials.",
  },
  {
    name: 'rotate_installation_credentials',
    title: "Rotate an installation's credentials",
    operationId: 'updateInstallation',
    params: installationId,
    readOnly: false,
    description:
      "Replaces an installation's install-field values, e.g. a new API key after the old one leaked: values maps field keys to new values (fields not given keep their value); the new secrets are sealed and the old ones are gone; every proxy uses the new credential within a second. Can also rename it (name). Needs an owner or admin for shared installations; anyone for their own personal one. Returns the installation without secrets.",
  },
  {
    name: 'list_tokens',
    title: 'List API tokens',
    operationId: 'listApiTokens',
    readOnly: true,
    description:
      'Lists the API tokens the caller can see (admins: all of the workspace; members: their own): id, name, scope, capabilities, the gateways it is restricted to, last use, expiry and whether it is revoked. Never returns token secrets.',
  },
  {
    name: 'revoke_token',
    title: 'Revoke an API token',
    operationId: 'revokeApiToken',
    params: { tokenId: { param: 'id', description: 'The token id (from list_tokens).' } },
    readOnly: false,
    destructive: true,
    description:
      'Revokes an API token at once: every proxy refuses it within a second, and it cannot be restored. Members may revoke their own tokens; admins any token of the workspace.',
  },
  {
    name: 'query_usage',
    title: 'Query usage',
    operationId: 'getUsageSummary',
    readOnly: true,
    description:
      'Summarises MCP traffic through the gateways: call counts, errors and latency, with the top tools, gateways, servers and callers, over a window (range such as "24h" or "7d", or from/to ISO times) and optional filters (gatewayId, tool, status…). Use it to answer "how much is X used" or "what is failing".',
  },
  {
    name: 'search_logs',
    title: 'Search the audit log',
    operationId: 'listAuditEvents',
    readOnly: true,
    description:
      'Searches the audit log of MCP calls, newest first: who called which tool on which gateway, when, with what status and error. Takes the same window and filters as query_usage plus limit (default 50) and cursor (nextCursor of the previous page). Use it to investigate one failure or one caller.',
  },
  {
    name: 'list_members',
    title: 'List members',
    operationId: 'listMembers',
    readOnly: true,
    description:
      "Lists the workspace's members with their user id, email, name, role (owner, admin, member) and teams. Use it to find a userId for add_team_member.",
  },
  {
    name: 'list_teams',
    title: 'List teams',
    operationId: 'listTeams',
    readOnly: true,
    description:
      'Lists the teams the caller can see (admins: all; others: their own) with ids, names and member counts. Use it to find a teamId for add_team_member, install_server or a team-only gateway.',
  },
  {
    name: 'add_team_member',
    title: 'Add a team member',
    operationId: 'addTeamMember',
    params: { teamId: { param: 'id', description: 'The team id (from list_teams).' } },
    readOnly: false,
    description:
      'Adds a workspace member (userId from list_members) to a team with role "member" (default) or "maintainer" (manages the team\'s members, installations and tokens). Needs an owner, an admin or one of the team\'s maintainers. The member can use the team\'s gateways and installations within a second.',
  },
];
