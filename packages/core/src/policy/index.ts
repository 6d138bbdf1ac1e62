export * from './environment.ts';
export * from './types.ts';
