import {
  ZCanaryReport,
  ZOfferedVersions,
  ZPinVersionRequest,
  ZStartCanaryRequest,
} from '../schemas/installation-versions.ts';
import { ZInstallation } from '../schemas/installations.ts';
import { getCanaryReport } from '../services/installation-versions/get-canary-report.ts';
import { listOfferedVersions } from '../services/installation-versions/list-offered-versions.ts';
import { pinVersion } from '../services/installation-versions/pin-version.ts';
import { promoteCanary, rollBackCanary } from '../services/installation-versions/promote-canary.ts';
import { startCanary } from '../services/installation-versions/start-canary.ts';
import { route, scope, type Route, type RouteContext } from './route.ts';

/** What every version service takes from the request. */
const versionScope = (ctx: RouteContext) => ({
  ...scope(ctx),
  bus: ctx.deps.bus,
  installationId: ctx.params.id!,
  npm: ctx.deps.npmRegistry,
});

/**
 * Version pins and canaries of installations (`/installations/{id}/versions`, `/canary…`): issue 17.
 * Packaged self-hosted servers only (409 for any other installation).
 */
export const INSTALLATION_VERSION_ROUTES: readonly Route[] = [
  route({
    method: 'GET',
    path: '/installations/{id}/versions',
    operationId: 'listInstallationVersions',
    summary:
      'The versions the npm registry offers for a packaged installation (newest first, `latest` marked), with the pinned, stable and running versions; 409 for an installation of another kind of server, 503 when the registry cannot be reached',
    tag: 'Installations',
    status: 200,
    response: ZOfferedVersions,
    errors: [404, 409, 422, 503],
    handle: (ctx) => listOfferedVersions(versionScope(ctx)),
  }),
  route({
    method: 'PUT',
    path: '/installations/{id}/pinned-version',
    operationId: 'pinInstallationVersion',
    summary:
      'Pin a packaged installation to an exact version the npm registry offers ("upgrade to …"); runners start it from then on. Audited (`installation/pin-version`); 409 while a canary runs',
    tag: 'Installations',
    body: ZPinVersionRequest,
    status: 200,
    response: ZInstallation,
    errors: [400, 404, 409, 413, 422, 503],
    handle: (ctx, input) => pinVersion({ ...versionScope(ctx), input }),
  }),
  route({
    method: 'GET',
    path: '/installations/{id}/canary',
    operationId: 'getInstallationCanary',
    summary:
      "The installation's canary (null when none) and, for those who manage the installation, calls, error rate and p50/p95 latency of stable vs canary since it started",
    tag: 'Installations',
    status: 200,
    response: ZCanaryReport,
    errors: [404],
    handle: (ctx) => getCanaryReport(versionScope(ctx)),
  }),
  route({
    method: 'POST',
    path: '/installations/{id}/canary',
    operationId: 'startInstallationCanary',
    summary:
      "Run `version` next to a packaged installation's stable version and send `percent` (1–99) of its callers to it, sticky per caller; the running canary's version again changes its share. Audited (`installation/canary-start`); 409 while another canary runs or for the stable version",
    tag: 'Installations',
    body: ZStartCanaryRequest,
    status: 201,
    response: ZInstallation,
    errors: [400, 404, 409, 413, 422, 503],
    handle: (ctx, input) => startCanary({ ...versionScope(ctx), input }),
  }),
  route({
    method: 'POST',
    path: '/installations/{id}/canary/promote',
    operationId: 'promoteInstallationCanary',
    summary:
      'The canary becomes stable: the installation is pinned to its version and every caller goes there. Audited (`installation/canary-promote`); 409 without a canary',
    tag: 'Installations',
    status: 200,
    response: ZInstallation,
    errors: [404, 409],
    handle: (ctx) => promoteCanary(versionScope(ctx)),
  }),
  route({
    method: 'DELETE',
    path: '/installations/{id}/canary',
    operationId: 'rollBackInstallationCanary',
    summary:
      'Roll the canary back: every caller returns to the stable version. Audited (`installation/canary-rollback`); 409 without a canary',
    tag: 'Installations',
    status: 200,
    response: ZInstallation,
    errors: [404, 409],
    handle: (ctx) => rollBackCanary(versionScope(ctx)),
  }),
];
