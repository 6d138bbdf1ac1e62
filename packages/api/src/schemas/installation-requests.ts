import { INSTALLATION_REQUEST_STATUSES } from '@toolgate/db/schema';
import { z } from 'zod';
import { ZId, ZTimestamp, ZName } from './common.ts';
import { ZDiscoveredInstallation } from './installations.ts';

/** What a member may ask for: a connection for the whole organization or for one team. */
export const REQUESTABLE_SCOPES = ['org', 'team'] as const;

export const ZNewInstallationRequest = z
  .strictObject({
    registryEntryId: ZId,
    scope: z.enum(REQUESTABLE_SCOPES),
    teamId: ZId.optional(),
    /** Why the server is needed; shown to the admins who decide. */
    reason: z.string().trim().max(2000).default(''),
  })
  .superRefine((input, ctx) => {
    if (input.scope === 'team' && !input.teamId)
      ctx.addIssue({ code: 'custom', path: ['teamId'], message: 'a team request needs teamId' });
    if (input.scope !== 'team' && input.teamId)
      ctx.addIssue({ code: 'custom', path: ['teamId'], message: 'an org request takes no teamId' });
  });
export type NewInstallationRequest = z.input<typeof ZNewInstallationRequest>;

/** The admin's side of approving: the credentials and fields the installation is created with. */
export const ZApproveInstallationRequest = z.strictObject({
  /** Default: the registry entry's name. */
  name: ZName.optional(),
  /** Install-time field values by key; secret ones are encrypted and never returned. */
  values: z.record(z.string(), z.string().max(10_000)).default({}),
});
export type ApproveInstallationRequest = z.input<typeof ZApproveInstallationRequest>;

export const ZRejectInstallationRequest = z.strictObject({
  /** Shown to the requester. */
  note: z.string().trim().max(2000).default(''),
});
export type RejectInstallationRequest = z.input<typeof ZRejectInstallationRequest>;

export const ZListInstallationRequestsQuery = z.strictObject({
  status: z.enum(INSTALLATION_REQUEST_STATUSES).optional(),
});
export type ListInstallationRequestsQuery = z.input<typeof ZListInstallationRequestsQuery>;

const ZPerson = z.object({ id: ZId, name: z.string().nullable(), email: z.string() });

export const ZInstallationRequest = z.object({
  id: ZId,
  registryEntryId: ZId,
  entry: z.object({ name: z.string(), slug: z.string(), transport: z.string() }),
  scope: z.enum(REQUESTABLE_SCOPES),
  teamId: ZId.nullable(),
  teamName: z.string().nullable(),
  reason: z.string(),
  status: z.enum(INSTALLATION_REQUEST_STATUSES),
  /** Null when the requester's account was deleted. */
  requestedBy: ZPerson.nullable(),
  decidedBy: ZPerson.nullable(),
  decidedAt: ZTimestamp.nullable(),
  decisionNote: z.string().nullable(),
  /** The installation an approval created (null once that installation is deleted). */
  installationId: ZId.nullable(),
  createdAt: ZTimestamp,
  updatedAt: ZTimestamp,
});
export type InstallationRequest = z.infer<typeof ZInstallationRequest>;

export const ZInstallationRequestList = z.object({ requests: z.array(ZInstallationRequest) });

export const ZApprovedInstallationRequest = z.object({
  request: ZInstallationRequest,
  installation: ZDiscoveredInstallation,
});
export type ApprovedInstallationRequest = z.infer<typeof ZApprovedInstallationRequest>;
