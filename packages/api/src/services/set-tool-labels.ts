import type { Tool } from '../schemas/installations.ts';
import { ZSetToolLabelsRequest, type SetToolLabelsRequest } from '../schemas/policies.ts';
import { parseInput } from '../validation.ts';
import { mutateInstallationTool, type InstallationToolTarget } from './tool-mutation.ts';

export interface SetToolLabelsOptions extends InstallationToolTarget {
  input: SetToolLabelsRequest;
}

/**
 * Replaces the labels of one installation's tool (owners and admins: labels are what policies
 * read, and a tool resolved at call time may be defined by any installation of its server, a
 * member's personal one included, for every caller). Re-discovery keeps them; gateways exposing
 * the server are recompiled on every proxy.
 */
export async function setToolLabels({ input, ...target }: SetToolLabelsOptions): Promise<Tool> {
  const { labels } = parseInput(ZSetToolLabelsRequest, input);
  return mutateInstallationTool(target, { admin: 'label tools' }, (current) => ({
    set: { labels },
    reason: current.labels.join('\n') === labels.join('\n') ? null : 'tool labels changed',
  }));
}
