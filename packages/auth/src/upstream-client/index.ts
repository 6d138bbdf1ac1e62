export * from './discovery.ts';
export * from './http.ts';
export * from './pkce.ts';
export * from './registration.ts';
export * from './tokens.ts';
export * from './token-exchange.ts';
