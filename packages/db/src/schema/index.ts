export * from './tenancy.ts';
export * from './registry.ts';
export * from './gateways.ts';
export * from './credentials.ts';
export * from './usage.ts';
export * from './oauth.ts';
export * from './outbox.ts';
export * from './connections.ts';
