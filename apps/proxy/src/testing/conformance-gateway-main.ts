import { startConformanceGateway } from './conformance-gateway.ts';

// `node --import tsx apps/proxy/src/testing/conformance-gateway-main.ts [postgresUrl] [redisUrl]`
// prints the gateway URL for scripts/conformance/run.sh and serves until interrupted.
const [postgresUrl = '', redisUrl = ''] = process.argv.slice(2);
const gateway = await startConformanceGateway({ postgresUrl, redisUrl });
process.stdout.write(`${gateway.url}\n`);
const stop = () => void gateway.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
