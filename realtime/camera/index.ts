import type { TemplatedApp } from 'uWebSockets.js';
import { parseEnv } from '../../core/env';
import type { Logger } from '../../core/logger';
import type { Sql } from '../../db/client';
import { CameraService } from './camera-service';
import { type CameraConfig, CameraEnv } from './env';
import { registerWhepRoutes } from './whep-routes';

export { CameraService } from './camera-service';
export { type CameraConfig, CameraEnv } from './env';
export { registerWhepRoutes } from './whep-routes';

export interface CameraAttachment {
  /** Implements `CameraSignalling`: hand it to the dashboard WebSocket connection for camera.* frames. */
  cameras: CameraService;
  config: CameraConfig;
  stop(): Promise<void>;
}

/**
 * The one place the realtime node wires the camera in: parses the camera config from `env`, creates the
 * service and registers WHEP and the viewer page on the node's uWebSockets.js app.
 */
export function attachCameraService(
  app: TemplatedApp,
  options: { sql: Sql; logger: Logger; jwtSecret: string; env: Record<string, unknown> },
): CameraAttachment {
  const config = parseEnv(CameraEnv, options.env);
  const cameras = new CameraService(options.sql, config, options.logger);
  registerWhepRoutes(app, cameras, { jwtSecret: options.jwtSecret, logger: options.logger });
  void cameras.reconcileFeeds().catch((error: Error) => {
    options.logger.warn('camera warm-up failed', { error: error.message });
  });
  return { cameras, config, stop: () => cameras.shutdown() };
}
