import type { Installation } from '@toolgate/api/schemas/installations';
import { Badge } from '~/components/ui/badge';

/** An installation's discovery status, as a badge. */
export function StatusBadge({ status }: { status: Installation['status'] }) {
  const tone = status === 'ready' ? 'green' : status === 'error' ? 'amber' : 'slate';
  const label = status === 'ready' ? 'Ready' : status === 'error' ? 'Discovery failed' : 'Pending';
  return <Badge tone={tone}>{label}</Badge>;
}
