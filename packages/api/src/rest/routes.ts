import { ACCOUNT_ROUTES } from './account-routes.ts';
import { APPROVAL_ROUTES } from './approval-routes.ts';
import { BILLING_ROUTES } from './billing-routes.ts';
import { CONNECTION_ROUTES } from './connection-routes.ts';
import { GATEWAY_ROUTES } from './gateway-routes.ts';
import { GUARDRAIL_ROUTES } from './guardrail-routes.ts';
import { INSTALLATION_REQUEST_ROUTES } from './installation-request-routes.ts';
import { INSTALLATION_ROUTES } from './installation-routes.ts';
import { INSTALLATION_VERSION_ROUTES } from './installation-version-routes.ts';
import { MEMBER_ROUTES } from './member-routes.ts';
import { POLICY_ROUTES } from './policy-routes.ts';
import { QUOTA_ROUTES } from './quota-routes.ts';
import { REGISTRY_ROUTES } from './registry-routes.ts';
import type { Route } from './route.ts';
import { SERVER_LOG_ROUTES } from './server-log-routes.ts';
import { SIGN_IN_ROUTES } from './sign-in-routes.ts';
import { TEAM_ROUTES } from './team-routes.ts';
import { TOKEN_ROUTES } from './token-routes.ts';
import { TOOL_CHANGE_ROUTES } from './tool-change-routes.ts';
import { USAGE_ROUTES } from './usage-routes.ts';
import { WORKSPACE_ROUTES } from './workspace-routes.ts';

export type { HttpMethod, Route, RouteContext, RouteTag } from './route.ts';
export { ZGatewayListResponse, ZGatewayResponse } from './gateway-routes.ts';
export { ZIdentityProviderList, ZOAuthClientList, ZOAuthGrantList } from './sign-in-routes.ts';

/** Every REST route, in the order the OpenAPI document lists them. */
export const ROUTES: readonly Route[] = [
  ...REGISTRY_ROUTES,
  ...INSTALLATION_ROUTES,
  ...INSTALLATION_REQUEST_ROUTES,
  ...GATEWAY_ROUTES,
  ...TOKEN_ROUTES,
  ...SIGN_IN_ROUTES,
  ...USAGE_ROUTES,
  ...POLICY_ROUTES,
  ...GUARDRAIL_ROUTES,
  ...APPROVAL_ROUTES,
  ...TOOL_CHANGE_ROUTES,
  ...TEAM_ROUTES,
  ...WORKSPACE_ROUTES,
  ...MEMBER_ROUTES,
  ...ACCOUNT_ROUTES,
  ...CONNECTION_ROUTES,
  ...INSTALLATION_VERSION_ROUTES,
  ...SERVER_LOG_ROUTES,
  ...QUOTA_ROUTES,
  ...BILLING_ROUTES,
];
