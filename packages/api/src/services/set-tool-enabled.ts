import { ZSetEnabledRequest, type SetEnabledRequest, type Tool } from '../schemas/installations.ts';
import { parseInput } from '../validation.ts';
import { mutateInstallationTool, type InstallationToolTarget } from './tool-mutation.ts';

export interface SetToolEnabledOptions extends InstallationToolTarget {
  input: SetEnabledRequest;
}

/**
 * Turns one discovered tool on or off (who may manage the installation may do this). A disabled
 * tool is not listed or callable through any gateway; re-discovery keeps the choice.
 */
export async function setToolEnabled({ input, ...target }: SetToolEnabledOptions): Promise<Tool> {
  const { enabled } = parseInput(ZSetEnabledRequest, input);
  return mutateInstallationTool(target, { manager: "change this installation's tools" }, (current) => ({
    set: { enabled },
    reason: current.enabled === enabled ? null : enabled ? 'tool enabled' : 'tool disabled',
  }));
}
