import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import type { RunnerAccess } from '@toolgate/mcp/runner-routing';
import type { Actor } from '../../actor.ts';
import {
  findUsableEntry,
  findVisibleInstallation,
  requireInstallationManager,
} from '../../installation-access.ts';
import type { ServerLog } from '../../schemas/server-log.ts';
import { fetchRunnerLog, type RunnerRefusal } from './fetch-runner-log.ts';

export const NO_RUNNERS_MESSAGE =
  'Self-hosted servers on this deployment run without a runner (TOOLGATE_RUNNERS is off), so their log is not kept.';
export const NOT_SELF_HOSTED_MESSAGE =
  'Only self-hosted (stdio) servers have a log here; a remote server keeps its own.';

export interface ReadServerLogOptions {
  db: Database;
  tenantId: string;
  actor: Actor;
  installationId: string;
  /** ControlPlaneDeps.runners: absent when this deployment has no runners (TOOLGATE_RUNNERS). */
  runners?: RunnerAccess;
  /** The canary's log instead of the stable version's. */
  variant?: 'canary';
  timeoutMs?: number;
}

/**
 * A self-hosted server's recent log and state, read from the runner hosting it (the runner keeps
 * the log in memory: the last 500 lines, secrets redacted). For those who manage the installation
 * only (owners, admins, a team installation's maintainers, a personal one's owner): stderr can
 * carry data the server handled, which members using the server need not see.
 */
export async function readServerLog(options: ReadServerLogOptions): Promise<ServerLog> {
  const { db, tenantId, actor, installationId, runners, variant } = options;
  const installation = await findVisibleInstallation(db, tenantId, actor, installationId);
  await requireInstallationManager(db, tenantId, actor, installation, "read this server's log");
  const entry = await findUsableEntry(db, tenantId, installation.registryEntryId);
  if (entry.transport !== 'stdio') throw new AppError('CONFLICT', NOT_SELF_HOSTED_MESSAGE);
  if (variant === 'canary' && installation.canaryVersion === null)
    throw new AppError('CONFLICT', 'This installation runs no canary version, so there is no canary log.');
  if (!runners) throw new AppError('UNAVAILABLE', NO_RUNNERS_MESSAGE);
  const answer = await fetchRunnerLog(
    runners,
    { tenantId, installationId, ...(variant ? { variant } : {}) },
    { timeoutMs: options.timeoutMs },
  );
  if ('log' in answer) return answer.log;
  throw refused(answer.refusal, installation.enabled);
}

/** A runner's non-200 answer, in the caller's words; the runner's address is never named. */
function refused(refusal: RunnerRefusal, enabled: boolean): AppError {
  switch (refusal.status) {
    case 404:
      // Checked in this tenant a moment ago: deleted since.
      return new AppError('NOT_FOUND', 'Installation not found');
    case 409:
      return enabled
        ? new AppError(
            'CONFLICT',
            `The runner will not host this server: ${refusal.message ?? 'no reason given'}`,
          )
        : new AppError(
            'CONFLICT',
            'This server is turned off and has not run on its runner since, so there is no log. Turn it on to start it.',
          );
    case 401:
      return new AppError(
        'UNAVAILABLE',
        "The runner refused this deployment's runner key: the web app and the runners must share TOOLGATE_SECRET_KEYS.",
      );
    default:
      return new AppError(
        'UNAVAILABLE',
        `The runner hosting this server could not read its log (it answered HTTP ${refusal.status}). Try again shortly.`,
      );
  }
}
