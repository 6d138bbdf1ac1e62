export { decideToolChange, type DecideToolChangeOptions } from './decide-tool-change.ts';
export {
  countPendingToolChanges,
  listToolChanges,
  type ListToolChangesOptions,
} from './list-tool-changes.ts';
export { TOOL_CHANGE_DECIDE_METHOD, TOOL_PINNING_SETTINGS_METHOD } from './tool-change-audit.ts';
export { getToolPinningSettings, setToolPinningSettings } from './tool-pinning-settings.ts';
