import { createCallerFactory, router } from './init.ts';
import { approvalsRouter } from './routers/approvals.ts';
import { billingRouter } from './routers/billing.ts';
import {
  gatewaysRouter,
  installationRequestsRouter,
  installationsRouter,
  registryRouter,
  tokensRouter,
} from './routers/control-plane.ts';
import { connectionsRouter } from './routers/connections.ts';
import { guardrailsRouter } from './routers/guardrails.ts';
import { installationVersionsRouter } from './routers/installation-versions.ts';
import { serverLogsRouter } from './routers/server-logs.ts';
import { identityProvidersRouter, oauthRouter } from './routers/identity.ts';
import { invitationsRouter } from './routers/invitations.ts';
import { meRouter } from './routers/me.ts';
import { membersRouter } from './routers/members.ts';
import { policiesRouter, toolsRouter } from './routers/policies.ts';
import { quotaRouter } from './routers/quota.ts';
import { teamsRouter } from './routers/teams.ts';
import { toolChangesRouter } from './routers/tool-changes.ts';
import { usageRouter } from './routers/usage.ts';
import { workspaceRouter } from './routers/workspace.ts';

export const appRouter = router({
  me: meRouter,
  workspace: workspaceRouter,
  members: membersRouter,
  invitations: invitationsRouter,
  teams: teamsRouter,
  registry: registryRouter,
  installations: installationsRouter,
  installationRequests: installationRequestsRouter,
  gateways: gatewaysRouter,
  policies: policiesRouter,
  guardrails: guardrailsRouter,
  approvals: approvalsRouter,
  tools: toolsRouter,
  toolChanges: toolChangesRouter,
  tokens: tokensRouter,
  usage: usageRouter,
  identityProviders: identityProvidersRouter,
  oauth: oauthRouter,
  connections: connectionsRouter,
  installationVersions: installationVersionsRouter,
  serverLogs: serverLogsRouter,
  quota: quotaRouter,
  billing: billingRouter,
});

export type AppRouter = typeof appRouter;

/** Server-side and test calls: `createCaller(await createTrpcContext(...))`. */
export const createCaller = createCallerFactory(appRouter);
