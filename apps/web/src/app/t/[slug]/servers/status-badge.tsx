import type { Installation } from '@toolgate/api/schemas/installations';
import { Badge } from '~/components/ui/badge';

type Status = Installation['status'];

export const STATUS_LABELS: Record<Status, string> = {
  pending: 'Not checked yet',
  ready: 'Ready',
  unreachable: 'Unreachable',
  auth_failed: 'Credentials refused',
  error: 'Error',
};

const STATUS_TONES = {
  pending: 'slate',
  ready: 'green',
  unreachable: 'red',
  auth_failed: 'red',
  error: 'amber',
} as const satisfies Record<Status, string>;

/** An installation's health, as the last discovery or health check found it. */
export function StatusBadge({ status }: { status: Status }) {
  return <Badge tone={STATUS_TONES[status]}>{STATUS_LABELS[status]}</Badge>;
}
