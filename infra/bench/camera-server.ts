// The realtime node with its camera service (dashboard /ws, WHEP, the viewer page) alone in its own process, so
// the camera benchmark can measure this process's CPU without the viewers' or the encoder's. No dashboards hold
// alert sessions here, so the dispatcher has nothing to send. Prints one JSON line with its URL when ready.
import { parseEnv } from '../../core/env';
import { RealtimeEnv } from '../../realtime/env';
import { startRealtimeNode } from '../../realtime/node';

const config = parseEnv(RealtimeEnv, { ...process.env, REALTIME_PORT: '0', LOG_LEVEL: 'warn' });
const node = await startRealtimeNode(config, '127.0.0.1', { cameraEnv: process.env });
console.log(JSON.stringify({ url: node.url, pid: process.pid }));
process.once('SIGTERM', () => {
  void node.stop().then(() => process.exit(0));
});
