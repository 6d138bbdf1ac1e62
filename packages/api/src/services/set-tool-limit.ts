import { ZSetToolLimitRequest, type SetToolLimitRequest, type Tool } from '../schemas/installations.ts';
import { parseInput } from '../validation.ts';
import { mutateInstallationTool, type InstallationToolTarget } from './tool-mutation.ts';

/** The audit log's method for a change of a tool's call limit. */
export const TOOL_LIMIT_METHOD = 'tool/set-limit';

export interface SetToolLimitOptions extends InstallationToolTarget {
  input: SetToolLimitRequest;
  /** When the change happens (tests pass one). */
  now?: Date;
}

/**
 * Sets or removes (null) the limit on calls to one tool of an installation: calls per minute
 * through this installation, all callers together, which every proxy enforces from the gateway
 * snapshot. Those who may manage the installation may do this, as for turning the tool off. A
 * change is audited (before and after) and recompiles the gateways exposing the server, so
 * proxies apply it at once; re-discovery keeps it.
 */
export async function setToolLimit({
  input,
  now = new Date(),
  ...target
}: SetToolLimitOptions): Promise<Tool> {
  const { callsPerMinute } = parseInput(ZSetToolLimitRequest, input);
  return mutateInstallationTool(target, { manager: "change this installation's tools" }, (current) => ({
    set: { callsPerMinute },
    reason:
      current.callsPerMinute === callsPerMinute
        ? null
        : callsPerMinute === null
          ? 'tool limit removed'
          : 'tool limit changed',
    audit: {
      method: TOOL_LIMIT_METHOD,
      occurredAt: now,
      request: { toolId: target.toolId, callsPerMinute },
      response: { before: { callsPerMinute: current.callsPerMinute }, after: { callsPerMinute } },
    },
  }));
}
