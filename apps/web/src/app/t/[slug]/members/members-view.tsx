'use client';

import { isAdmin } from '@toolgate/api/actor';
import { useEffect, useMemo, useState } from 'react';
import type { Member, MemberRole } from '@toolgate/api/schemas/members';
import { PlusIcon } from '~/components/icons';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { PageHeader } from '~/components/ui/page-header';
import { InvitationsTable } from './invitations-table';
import { InviteDialog } from './invite-dialog';
import { ChangeRoleDialog, LeaveWorkspaceDialog, RemoveMemberDialog } from './member-dialogs';
import { AddToTeamDialog, RemoveFromTeamDialog, useMemberTeams, type MemberTeam } from './member-teams';
import { MembersTable, type MemberActions } from './members-table';

export function MembersView({
  currentUserId,
  role,
  tenantName,
  tenantSlug,
}: {
  currentUserId: string;
  role: MemberRole;
  tenantName: string;
  tenantSlug: string;
}) {
  const manages = isAdmin({ role });
  const [inviting, setInviting] = useState(false);
  const [changing, setChanging] = useState<Member | null>(null);
  const [removing, setRemoving] = useState<Member | null>(null);
  const [leaving, setLeaving] = useState(false);
  const [addingToTeam, setAddingToTeam] = useState<Member | null>(null);
  const [leavingTeam, setLeavingTeam] = useState<{ member: Member; team: MemberTeam } | null>(null);
  const { teams, byUser } = useMemberTeams();
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(() => setNotice(null), 8_000);
    return () => clearTimeout(timer);
  }, [notice]);

  const actions = useMemo<MemberActions>(
    () => ({
      changeRole: setChanging,
      remove: setRemoving,
      leave: () => setLeaving(true),
      addToTeam: setAddingToTeam,
      removeFromTeam: (member, team) => setLeavingTeam({ member, team }),
    }),
    [],
  );

  const inviteButton = manages ? (
    <Button onClick={() => setInviting(true)}>
      <PlusIcon className="size-4" />
      Invite members
    </Button>
  ) : null;

  return (
    <>
      <PageHeader
        title="Members"
        description={`People with access to ${tenantName}. Owners and admins manage servers, gateways, teams and members; members use what is shared with them.`}
        actions={inviteButton}
      />
      <div className="mt-8 flex flex-col gap-10">
        <div className="flex flex-col gap-4">
          {notice && <Alert tone="success">{notice}</Alert>}
          <MembersTable
            currentUserId={currentUserId}
            role={role}
            tenantSlug={tenantSlug}
            memberTeams={byUser}
            actions={actions}
          />
        </div>
        {manages && <InvitationsTable role={role} inviteButton={inviteButton} />}
      </div>
      {manages && (
        <InviteDialog
          open={inviting}
          onClose={() => setInviting(false)}
          role={role}
          tenantName={tenantName}
        />
      )}
      <ChangeRoleDialog
        member={changing}
        actorRole={role}
        onClose={() => setChanging(null)}
        onChanged={(message) => {
          setChanging(null);
          setNotice(message);
        }}
      />
      <RemoveMemberDialog
        member={removing}
        tenantName={tenantName}
        onClose={() => setRemoving(null)}
        onRemoved={(message) => {
          setRemoving(null);
          setNotice(message);
        }}
      />
      <LeaveWorkspaceDialog open={leaving} tenantName={tenantName} onClose={() => setLeaving(false)} />
      {manages && (
        <>
          <AddToTeamDialog
            member={addingToTeam}
            teams={teams}
            memberTeams={addingToTeam ? (byUser.get(addingToTeam.userId) ?? []) : []}
            tenantSlug={tenantSlug}
            onClose={() => setAddingToTeam(null)}
            onAdded={(message) => {
              setAddingToTeam(null);
              setNotice(message);
            }}
          />
          <RemoveFromTeamDialog
            target={leavingTeam}
            onClose={() => setLeavingTeam(null)}
            onRemoved={(message) => {
              setLeavingTeam(null);
              setNotice(message);
            }}
          />
        </>
      )}
    </>
  );
}
