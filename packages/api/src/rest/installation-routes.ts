import { issuerFrom } from '@toolgate/auth/constants';
import {
  ZCreateInstallationRequest,
  ZDiscoveredInstallation,
  ZInstallation,
  ZInstallationDetail,
  ZInstallationList,
  ZPatchInstallationRequest,
  ZTool,
  type Installation,
  ZToolList,
} from '../schemas/installations.ts';
import { ZPatchToolRequest } from '../schemas/policies.ts';
import { checkInstallationHealth } from '../services/check-installation-health.ts';
import { createInstallation } from '../services/create-installation.ts';
import { deleteInstallation } from '../services/delete-installation.ts';
import { discoverInstallation } from '../services/discover-installation.ts';
import { getInstallation } from '../services/get-installation.ts';
import { listInstallationTools } from '../services/list-installation-tools.ts';
import { listInstallations } from '../services/list-installations.ts';
import { setInstallationEnabled } from '../services/set-installation-enabled.ts';
import { setToolEnabled } from '../services/set-tool-enabled.ts';
import { setToolLabels } from '../services/set-tool-labels.ts';
import { setToolLimit } from '../services/set-tool-limit.ts';
import { updateInstallation } from '../services/update-installation.ts';
import { route, scope, type Route, type RouteContext } from './route.ts';

/** What installing and discovering need to reach a server (installations and approved requests). */
export const upstreamAccess = ({ deps }: RouteContext) => ({
  bus: deps.bus,
  secretKeys: deps.secretKeys,
  // Forwarded JWTs to `jwt` servers are issued as Toolgate's authorization server.
  issuer: issuerFrom(deps.publicWebUrl),
  allowPrivate: deps.allowPrivateUpstreams ?? false,
  allowStdio: deps.allowStdio ?? false,
  runners: deps.runners,
  // Admins are emailed when a server reports another version than before.
  versionMail: { mailer: deps.mailer, publicWebUrl: deps.publicWebUrl, log: deps.log },
});

/** Installations of registry entries and their tools. */
export const INSTALLATION_ROUTES: readonly Route[] = [
  route({
    method: 'POST',
    path: '/installations',
    operationId: 'createInstallation',
    summary: 'Install a registry entry (org, team or personal) and discover its tools',
    tag: 'Installations',
    body: ZCreateInstallationRequest,
    status: 201,
    response: ZDiscoveredInstallation,
    errors: [400, 402, 404, 409, 413, 422, 503],
    handle: (ctx, input) => createInstallation({ ...scope(ctx), ...upstreamAccess(ctx), input }),
  }),
  route({
    method: 'POST',
    path: '/installations/{id}/discover',
    operationId: 'discoverInstallation',
    summary: "Re-discover an installation's tools",
    tag: 'Installations',
    status: 200,
    response: ZDiscoveredInstallation,
    errors: [404, 503],
    handle: (ctx) =>
      discoverInstallation({ ...scope(ctx), ...upstreamAccess(ctx), installationId: ctx.params.id! }),
  }),
  route({
    method: 'POST',
    path: '/installations/{id}/check',
    operationId: 'checkInstallationHealth',
    summary:
      "Check now whether an installation's remote server answers with its credential (status: ready, unreachable, auth_failed or error)",
    tag: 'Installations',
    status: 200,
    response: ZInstallation,
    errors: [404, 422, 503],
    handle: (ctx) =>
      checkInstallationHealth({
        ...scope(ctx),
        secretKeys: ctx.deps.secretKeys,
        issuer: issuerFrom(ctx.deps.publicWebUrl),
        allowPrivate: ctx.deps.allowPrivateUpstreams ?? false,
        bus: ctx.deps.bus,
        versionMail: { mailer: ctx.deps.mailer, publicWebUrl: ctx.deps.publicWebUrl, log: ctx.deps.log },
        installationId: ctx.params.id!,
      }),
  }),
  route({
    method: 'GET',
    path: '/installations/{id}/tools',
    operationId: 'listInstallationTools',
    summary: 'List the tools discovered on an installation',
    tag: 'Installations',
    status: 200,
    response: ZToolList,
    errors: [404],
    handle: async (ctx) => ({
      tools: await listInstallationTools({ ...scope(ctx), installationId: ctx.params.id! }),
    }),
  }),
  route({
    method: 'GET',
    path: '/installations',
    operationId: 'listInstallations',
    summary: 'List the installations the caller can see, with their tools',
    tag: 'Installations',
    status: 200,
    response: ZInstallationList,
    errors: [],
    handle: async (ctx) => ({ installations: await listInstallations(scope(ctx)) }),
  }),
  route({
    method: 'GET',
    path: '/installations/{id}',
    operationId: 'getInstallation',
    summary: 'Get an installation with its tools and the gateways pinned to it',
    tag: 'Installations',
    status: 200,
    response: ZInstallationDetail,
    errors: [404],
    handle: (ctx) => getInstallation({ ...scope(ctx), installationId: ctx.params.id! }),
  }),
  route({
    method: 'PATCH',
    path: '/installations/{id}',
    operationId: 'updateInstallation',
    summary:
      'Rename an installation, replace install-field values (credential rotation: secrets are sealed anew), or enable/disable it',
    tag: 'Installations',
    body: ZPatchInstallationRequest,
    status: 200,
    response: ZInstallation,
    errors: [400, 404, 409, 413, 422, 503],
    handle: async (ctx, { enabled, ...changes }) => {
      const installationId = ctx.params.id!;
      let view: Installation | undefined;
      if (changes.name !== undefined || changes.values !== undefined)
        view = await updateInstallation({
          ...scope(ctx),
          bus: ctx.deps.bus,
          secretKeys: ctx.deps.secretKeys,
          installationId,
          input: changes,
        });
      if (enabled !== undefined)
        view = await setInstallationEnabled({
          ...scope(ctx),
          bus: ctx.deps.bus,
          allowStdio: ctx.deps.allowStdio ?? false,
          installationId,
          input: { enabled },
        });
      return view!;
    },
  }),
  route({
    method: 'DELETE',
    path: '/installations/{id}',
    operationId: 'deleteInstallation',
    summary: 'Delete an installation (409 while gateway assignments are pinned to it)',
    tag: 'Installations',
    status: 204,
    errors: [404, 409],
    handle: (ctx) => deleteInstallation({ ...scope(ctx), bus: ctx.deps.bus, installationId: ctx.params.id! }),
  }),
  route({
    method: 'PATCH',
    path: '/installations/{id}/tools/{toolId}',
    operationId: 'setToolEnabled',
    summary:
      'Enable or disable one tool of an installation for every gateway, replace its labels (owners and admins), and/or set its call limit (callsPerMinute, all callers together; null removes it)',
    tag: 'Installations',
    body: ZPatchToolRequest,
    status: 200,
    response: ZTool,
    errors: [400, 404, 413, 422],
    handle: async (ctx, { enabled, labels, callsPerMinute }) => {
      const target = {
        ...scope(ctx),
        bus: ctx.deps.bus,
        installationId: ctx.params.id!,
        toolId: ctx.params.toolId!,
      };
      // Labels first: they need the stricter role, so a refusal leaves the tool as it was.
      let tool = labels === undefined ? undefined : await setToolLabels({ ...target, input: { labels } });
      if (callsPerMinute !== undefined) tool = await setToolLimit({ ...target, input: { callsPerMinute } });
      if (enabled !== undefined) tool = await setToolEnabled({ ...target, input: { enabled } });
      return tool!;
    },
  }),
];
