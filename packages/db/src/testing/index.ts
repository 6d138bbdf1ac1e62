export * from './test-database.ts';
export * from './factories.ts';
export * from './tcp-forwarder.ts';
