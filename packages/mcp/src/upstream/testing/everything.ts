import { everythingStdioCommand } from '@toolgate/fixtures/everything';
import type { UpstreamTarget } from '../types.ts';

/** An upstream target running server-everything over stdio (the launcher is the test kit's). */
export function everythingStdioTarget(key: string, env: Record<string, string> = {}): UpstreamTarget {
  const { command, args } = everythingStdioCommand();
  return { key, label: `everything-${key}`, transport: 'stdio', command, args, env };
}
