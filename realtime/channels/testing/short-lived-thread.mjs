// A stand-in channel thread for start-channel-thread.test.ts: starts, reports one span, and dies (exit code 3) a
// moment later, as a thread that crashed would; on a stop message it ends at once.
import { parentPort } from 'node:worker_threads';

parentPort.postMessage({ type: 'started' });
parentPort.postMessage({ type: 'spans', batch: [['channelRequest', 0.004]] });
const crash = setTimeout(() => process.exit(3), 100);
parentPort.on('message', (message) => {
  if (message.type !== 'stop') return;
  clearTimeout(crash);
  parentPort.close();
});
