import type { MemberRole } from '@toolgate/api/schemas/members';
import type { TeamRole } from '@toolgate/api/schemas/team-members';

export const ROLE_LABELS: Record<MemberRole, string> = {
  owner: 'Owner',
  admin: 'Admin',
  member: 'Member',
};

export const ROLE_DESCRIPTIONS: Record<MemberRole, string> = {
  owner: 'Full control of the workspace, including who else can manage it.',
  admin: 'Manages servers, gateways, tokens and teams.',
  member: 'Uses the gateways shared with them and their teams.',
};

export const TEAM_ROLE_LABELS: Record<TeamRole, string> = {
  member: 'Member',
  maintainer: 'Maintainer',
};

export const TEAM_ROLE_DESCRIPTIONS: Record<TeamRole, string> = {
  member: "Uses the team's gateways and shared server connections.",
  maintainer: "Also manages the team's members, its server installations and API tokens, and sees its usage.",
};
