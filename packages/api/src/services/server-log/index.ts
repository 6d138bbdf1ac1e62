export { NO_RUNNERS_MESSAGE, NOT_SELF_HOSTED_MESSAGE, readServerLog } from './read-server-log.ts';
export type { ReadServerLogOptions } from './read-server-log.ts';
