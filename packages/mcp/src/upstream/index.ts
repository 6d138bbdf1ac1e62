export { createUpstreamPool } from './pool.ts';
export * from './types.ts';
