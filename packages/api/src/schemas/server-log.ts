import { z } from 'zod';
import { ZId } from './common.ts';

/**
 * A self-hosted (stdio) server's recent log, as the runner hosting it keeps it: what the server
 * wrote to stderr (secrets redacted) and what the runner did with it.
 */

export const SERVER_STATES = ['stopped', 'starting', 'running', 'failed', 'unknown'] as const;
export const SERVER_LOG_STREAMS = ['stderr', 'runner'] as const;

export const ZServerLogVariant = z
  .enum(['canary'])
  .meta({ description: "`canary`: the log of the installation's canary version instead of the stable one" });

export const ZServerLogQuery = z.strictObject({ variant: ZServerLogVariant.optional() });

export const ZServerLogRequest = z.strictObject({ id: ZId, variant: ZServerLogVariant.optional() });

export const ZServerLogLine = z.object({
  time: z.string().meta({ description: 'When the runner read the line (ISO 8601)' }),
  stream: z.enum(SERVER_LOG_STREAMS).meta({
    description:
      '`stderr`: written by the server; `runner`: what the runner did (started, stopped, crashed, why a start failed)',
  }),
  line: z.string(),
});
export type ServerLogLine = z.infer<typeof ZServerLogLine>;

export const ZServerLog = z.object({
  state: z.enum(SERVER_STATES).meta({
    description:
      '`stopped` (never started on its runner, or stopped while idle), `starting`, `running`, `failed` (refused until its back-off has passed; the last `runner` lines say why); `unknown` when the runner did not say',
  }),
  /** Oldest first: the newest line is the last. */
  lines: z.array(ZServerLogLine).meta({
    description:
      'Oldest first. The runner keeps the last 500 lines (64 KiB); token-shaped strings and the installation’s own credential values are replaced by `[redacted]`',
  }),
  truncated: z.boolean().meta({
    description: 'The answer was cut at the size bound: only its first lines are shown',
  }),
});
export type ServerLog = z.infer<typeof ZServerLog>;
