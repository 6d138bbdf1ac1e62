/**
 * How a gateway names what it exposes. Its own module, free of Node built-ins, so the admin UI
 * can preview names (and collisions) with the very function the snapshot compiler uses.
 */

export const TOOL_NAME_SEPARATOR = '__';

/** What MCP clients can call: 1–128 of A–Z a–z 0–9 _ . - */
export const TOOL_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;

/** The name clients see: the assignment's alias, else `{server}__{tool}`. */
export const exposedToolName = (serverSlug: string, toolName: string, alias?: string | null): string =>
  alias ?? `${serverSlug}${TOOL_NAME_SEPARATOR}${toolName}`;

/** The tools a gateway generates for a server whose resources it exposes but which has no tools. */
export const RESOURCE_TOOL_NAMES = ['list_resources', 'read_resource'] as const;
