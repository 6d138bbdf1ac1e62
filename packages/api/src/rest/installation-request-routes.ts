import {
  ZApprovedInstallationRequest,
  ZApproveInstallationRequest,
  ZInstallationRequest,
  ZInstallationRequestList,
  ZNewInstallationRequest,
  ZRejectInstallationRequest,
} from '../schemas/installation-requests.ts';
import { approveInstallationRequest } from '../services/approve-installation-request.ts';
import { cancelInstallationRequest } from '../services/cancel-installation-request.ts';
import { listInstallationRequests } from '../services/list-installation-requests.ts';
import { rejectInstallationRequest } from '../services/reject-installation-request.ts';
import { requestInstallation } from '../services/request-installation.ts';
import { upstreamAccess } from './installation-routes.ts';
import { route, scope, type Route } from './route.ts';

/** Members asking the admins to install a server, and the admins' answers. */
export const INSTALLATION_REQUEST_ROUTES: readonly Route[] = [
  route({
    method: 'GET',
    path: '/installation-requests',
    operationId: 'listInstallationRequests',
    summary: 'List installation requests (owners and admins: all; members: their own)',
    tag: 'Installation requests',
    status: 200,
    response: ZInstallationRequestList,
    errors: [],
    handle: async (ctx) => ({ requests: await listInstallationRequests(scope(ctx)) }),
  }),
  route({
    method: 'POST',
    path: '/installation-requests',
    operationId: 'requestInstallation',
    summary: 'Ask the admins to install a server for the organization or a team',
    tag: 'Installation requests',
    body: ZNewInstallationRequest,
    status: 201,
    response: ZInstallationRequest,
    errors: [400, 404, 409, 413, 422],
    handle: (ctx, input) => requestInstallation({ ...scope(ctx), input }),
  }),
  route({
    method: 'POST',
    path: '/installation-requests/{id}/approve',
    operationId: 'approveInstallationRequest',
    summary: 'Approve a request: install the server with these credentials and link the installation',
    tag: 'Installation requests',
    body: ZApproveInstallationRequest,
    status: 200,
    response: ZApprovedInstallationRequest,
    errors: [400, 402, 404, 409, 413, 422, 503],
    handle: (ctx, input) =>
      approveInstallationRequest({ ...scope(ctx), ...upstreamAccess(ctx), requestId: ctx.params.id!, input }),
  }),
  route({
    method: 'POST',
    path: '/installation-requests/{id}/reject',
    operationId: 'rejectInstallationRequest',
    summary: 'Reject a request, with a note for the requester',
    tag: 'Installation requests',
    body: ZRejectInstallationRequest,
    status: 200,
    response: ZInstallationRequest,
    errors: [400, 404, 409, 413, 422],
    handle: (ctx, input) => rejectInstallationRequest({ ...scope(ctx), requestId: ctx.params.id!, input }),
  }),
  route({
    method: 'POST',
    path: '/installation-requests/{id}/cancel',
    operationId: 'cancelInstallationRequest',
    summary: 'Withdraw your own pending request',
    tag: 'Installation requests',
    status: 200,
    response: ZInstallationRequest,
    errors: [404, 409],
    handle: (ctx) => cancelInstallationRequest({ ...scope(ctx), requestId: ctx.params.id! }),
  }),
];
