import { AppError } from '@toolgate/core/errors';
import type { Transport } from '@toolgate/db/schema';
import { STDIO_DISABLED_MESSAGE } from '@toolgate/mcp/stdio-switch';

export { STDIO_DISABLED_MESSAGE };

/**
 * A stdio server runs a command on the host that serves it. On shared hosts the operator keeps
 * that switched off (TOOLGATE_ALLOW_STDIO), so no tenant admin can run arbitrary commands there.
 */
export function requireStdioAllowed(transport: Transport, allowStdio: boolean | undefined): void {
  if (transport === 'stdio' && allowStdio !== true)
    throw new AppError('FORBIDDEN', STDIO_DISABLED_MESSAGE, { reason: 'stdio_disabled' });
}
