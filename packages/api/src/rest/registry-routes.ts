import {
  ZCreateRegistryEntryRequest,
  ZRegistryEntry,
  ZRegistryEntryList,
  ZUpdateRegistryEntryRequest,
} from '../schemas/registry.ts';
import { createRegistryEntry } from '../services/create-registry-entry.ts';
import { deleteRegistryEntry } from '../services/delete-registry-entry.ts';
import { listRegistryEntries } from '../services/list-registry-entries.ts';
import { probeServer, ZProbeResult, ZProbeServerRequest } from '../services/probe-server.ts';
import { updateRegistryEntry } from '../services/update-registry-entry.ts';
import { route, scope, type Route } from './route.ts';

/** The tenant's registry of MCP servers (with the built-in catalog), and probing a server URL. */
export const REGISTRY_ROUTES: readonly Route[] = [
  route({
    method: 'GET',
    path: '/registry',
    operationId: 'listRegistryEntries',
    summary: "List the tenant's registry entries and the built-in catalog",
    tag: 'Registry',
    status: 200,
    response: ZRegistryEntryList,
    errors: [],
    handle: async (ctx) => ({ entries: await listRegistryEntries(scope(ctx)) }),
  }),
  route({
    method: 'POST',
    path: '/registry',
    operationId: 'createRegistryEntry',
    summary: "Add an MCP server to the tenant's registry",
    tag: 'Registry',
    body: ZCreateRegistryEntryRequest,
    status: 201,
    response: ZRegistryEntry,
    errors: [400, 409, 413, 422],
    handle: (ctx, input) =>
      createRegistryEntry({ ...scope(ctx), allowStdio: ctx.deps.allowStdio ?? false, input }),
  }),
  route({
    method: 'PATCH',
    path: '/registry/{id}',
    operationId: 'updateRegistryEntry',
    summary:
      'Change a tenant registry entry (the built-in catalog is read-only); a new slug renames its exposed tools',
    tag: 'Registry',
    body: ZUpdateRegistryEntryRequest,
    status: 200,
    response: ZRegistryEntry,
    errors: [400, 404, 409, 413, 422],
    handle: (ctx, input) =>
      updateRegistryEntry({
        ...scope(ctx),
        bus: ctx.deps.bus,
        allowStdio: ctx.deps.allowStdio ?? false,
        entryId: ctx.params.id!,
        input,
      }),
  }),
  route({
    method: 'DELETE',
    path: '/registry/{id}',
    operationId: 'deleteRegistryEntry',
    summary: 'Remove a tenant registry entry (409 naming its installations while it has any)',
    tag: 'Registry',
    status: 204,
    errors: [404, 409],
    handle: async (ctx) => {
      await deleteRegistryEntry({ ...scope(ctx), bus: ctx.deps.bus, entryId: ctx.params.id! });
    },
  }),
  route({
    method: 'POST',
    path: '/registry/probe',
    operationId: 'probeServer',
    summary: 'Probe a server URL: reachable? which MCP transport? does it demand OAuth?',
    tag: 'Registry',
    body: ZProbeServerRequest,
    status: 200,
    response: ZProbeResult,
    errors: [400, 413, 422],
    handle: (ctx, input) =>
      probeServer({ url: input.url, allowPrivate: ctx.deps.allowPrivateUpstreams ?? false }),
  }),
];
