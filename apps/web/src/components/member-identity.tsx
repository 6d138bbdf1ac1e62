import { Avatar } from '~/components/ui/avatar';
import { Badge } from '~/components/ui/badge';

/** A person in a members table: avatar, name (or email), "You" for the viewer, and the email. */
export function MemberIdentity({
  member,
  currentUserId,
}: {
  member: { userId: string; name: string | null; email: string };
  currentUserId: string;
}) {
  return (
    <div className="flex min-w-0 items-center gap-3">
      <Avatar name={member.name} seed={member.email} />
      <div className="min-w-0">
        <p className="flex items-center gap-2 truncate font-medium text-slate-900">
          {member.name ?? member.email}
          {member.userId === currentUserId && <Badge tone="slate">You</Badge>}
        </p>
        {member.name && <p className="truncate text-slate-500">{member.email}</p>}
      </div>
    </div>
  );
}
