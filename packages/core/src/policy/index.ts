export * from './environment.ts';
export * from './types.ts';
export * from './compile.ts';
