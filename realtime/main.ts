import { parseEnv } from '../core/env';
import { createLogger } from '../core/logger';
import { unhandledRejectionVerdict } from '../db/unhandled-rejection';
import { RealtimeEnv } from './env';
import { startRealtimeNode } from './node';

const config = parseEnv(RealtimeEnv, process.env);
const processLogger = createLogger('realtime', config.LOG_LEVEL);
process.on('unhandledRejection', (reason, promise) => {
  const { action, message, fields } = unhandledRejectionVerdict(reason, promise);
  processLogger.error(message, fields);
  if (action === 'exit') process.exit(1);
});
const node = await startRealtimeNode(config, process.env.HOST ?? '0.0.0.0', { cameraEnv: process.env });
node.logger.info('realtime listening', { url: node.url, nodeId: node.nodeId });
// Started by a parent over IPC (npm start with REALTIME_NODES > 1, tests): tell it, whatever the log level.
if (process.send) {
  process.send({ type: 'listening', url: node.url, nodeId: node.nodeId });
  process.channel?.unref();
}

// Once: Ctrl-C reaches a node of `npm start` both as SIGINT (its process group) and as SIGTERM (from its parent).
let stopping: Promise<void> | undefined;
const stop = () => {
  stopping ??= node.stop().then(() => process.exit(0));
  return stopping;
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
