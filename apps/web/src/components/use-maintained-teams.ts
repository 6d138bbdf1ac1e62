import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useTRPC } from '~/trpc/react';

const NONE: ReadonlySet<string> = new Set();

/**
 * The teams the caller maintains: their installations and tokens are the caller's to manage, as
 * everything is an admin's (so admins need not ask).
 */
export function useMaintainedTeams(isAdmin: boolean): ReadonlySet<string> {
  const trpc = useTRPC();
  const maintained = useQuery({ ...trpc.teams.maintained.queryOptions(), enabled: !isAdmin });
  return useMemo(() => (maintained.data ? new Set(maintained.data) : NONE), [maintained.data]);
}
