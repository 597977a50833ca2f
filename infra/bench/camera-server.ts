// The camera service alone in its own process (WHEP on a random loopback port), so the camera benchmark can
// measure this process's CPU without the viewers' or the encoder's. Prints one JSON line with its URL when ready.
import uWS from 'uWebSockets.js';
import { createDatabase } from '../../db/client';
import { createLogger } from '../../functions/lib/logger';
import { attachCameraService } from '../../realtime/camera';

const databaseUrl = process.env.DATABASE_URL;
const jwtSecret = process.env.JWT_SECRET;
if (!databaseUrl || !jwtSecret) throw new Error('DATABASE_URL and JWT_SECRET are required');
const { sql } = createDatabase(databaseUrl, { max: 4, applicationName: 'carewatch-camera-bench' });
const app = uWS.App();
const camera = attachCameraService(app, {
  sql,
  logger: createLogger('camera-bench', 'warn'),
  jwtSecret,
  env: process.env,
});
app.get('/stats', (res) => {
  res.writeHeader('content-type', 'application/json').end(JSON.stringify(camera.cameras.stats()));
});
app.listen('127.0.0.1', 0, (socket) => {
  if (!socket) throw new Error('could not listen');
  console.log(JSON.stringify({ url: `http://127.0.0.1:${uWS.us_socket_local_port(socket)}`, pid: process.pid }));
});
process.once('SIGTERM', () => {
  void camera
    .stop()
    .then(() => sql.end())
    .then(() => process.exit(0));
});
