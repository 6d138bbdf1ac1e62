import {
  ZDecideToolChangeRequest,
  ZListToolChangesQuery,
  ZSetToolPinningSettingsRequest,
  ZToolChangeDecision,
  ZToolChangeList,
  ZToolPinningSettings,
} from '../schemas/tool-changes.ts';
import { decideToolChange } from '../services/tool-changes/decide-tool-change.ts';
import { listToolChanges } from '../services/tool-changes/list-tool-changes.ts';
import {
  getToolPinningSettings,
  setToolPinningSettings,
} from '../services/tool-changes/tool-pinning-settings.ts';
import { route, scope, type Route } from './route.ts';

/**
 * Tool-definition pinning (`/tool-changes…`, `/settings/tool-pinning`): tools whose upstream
 * definition differs from the one gateways serve, decided by owners and admins.
 */
export const TOOL_CHANGE_ROUTES: readonly Route[] = [
  route({
    method: 'GET',
    path: '/tool-changes',
    operationId: 'listToolChanges',
    summary:
      'List tools whose server lists a definition other than the one gateways serve (owners and admins), oldest first: `new` tools (not served until approved) and `changed` ones (the approved definition is served meanwhile), with both definitions',
    tag: 'Tool changes',
    query: ZListToolChangesQuery,
    status: 200,
    response: ZToolChangeList,
    errors: [422],
    handle: async (ctx) => ({
      toolChanges: await listToolChanges({ ...scope(ctx), status: ctx.query.status }),
    }),
  }),
  route({
    method: 'POST',
    path: '/tool-changes/{id}/decision',
    operationId: 'decideToolChange',
    summary:
      'Approve a change (gateways serve the new definition) or reject it (they keep serving the approved one; a new tool stays unlisted), with a note; audited. 409 when there is no change to decide, it was already rejected, or the tool changed again since `pendingHash`',
    tag: 'Tool changes',
    body: ZDecideToolChangeRequest,
    status: 200,
    response: ZToolChangeDecision,
    errors: [400, 404, 409, 413, 422],
    handle: (ctx, input) =>
      decideToolChange({ ...scope(ctx), bus: ctx.deps.bus, id: ctx.params.id!, ...input }),
  }),
  route({
    method: 'GET',
    path: '/settings/tool-pinning',
    operationId: 'getToolPinningSettings',
    summary:
      'Whether new tools are approved on sight, and whether a changed tool keeps serving its approved definition or is switched off while the change waits',
    tag: 'Tool changes',
    status: 200,
    response: ZToolPinningSettings,
    errors: [],
    handle: (ctx) => getToolPinningSettings(scope(ctx)),
  }),
  route({
    method: 'PUT',
    path: '/settings/tool-pinning',
    operationId: 'setToolPinningSettings',
    summary:
      'Change how tool definitions are pinned (owners and admins): `autoApproveNewTools` from the next discovery on, `onToolChange` at once',
    tag: 'Tool changes',
    body: ZSetToolPinningSettingsRequest,
    status: 200,
    response: ZToolPinningSettings,
    errors: [400, 413, 422],
    handle: (ctx, input) => setToolPinningSettings({ ...scope(ctx), bus: ctx.deps.bus, input }),
  }),
];
