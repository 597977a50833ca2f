import { parseEnv } from '../core/env';
import { RealtimeEnv } from './env';
import { startRealtimeNode } from './node';

const config = parseEnv(RealtimeEnv, process.env);
const node = await startRealtimeNode(config, process.env.HOST ?? '0.0.0.0', { cameraEnv: process.env });
node.logger.info('realtime listening', { url: node.url, nodeId: node.nodeId });

const stop = async () => {
  await node.stop();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
