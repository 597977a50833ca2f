// The camera module's public entry: the rest of the realtime node imports the camera from here only.
import type { TemplatedApp } from 'uWebSockets.js';
import { parseEnv } from '../../core/env';
import type { Logger } from '../../core/logger';
import { configuredMediaStore } from '../../core/media/configured-media-store';
import { MediaEnv } from '../../core/media/media-env';
import { ALERTS_CHANNEL, type AlertNotification } from '../../db/alerts/channel';
import type { Sql } from '../../db/client';
import type { CameraSignalling } from '../camera-signalling';
import { CameraService } from './camera-service';
import { type CameraConfig, CameraEnv } from './env';
import { RoutedSignalling } from './signalling-relay';
import { registerSignallingRelayRoutes } from './signalling-relay-routes';
import { registerWhepRoutes } from './whep-routes';

export type { AccessEnded, AccessRecheck, RevokedView } from './access-recheck';
export { CameraService, type CameraServiceStats, type MediaHealth } from './camera-service';
export { type CameraConfig, CameraEnv } from './env';
export type { EventMedia } from './event-media';
export { registerWhepRoutes } from './whep-routes';

export interface CameraAttachment {
  /** Hand it to the dashboard WebSocket connection for camera.* frames. */
  cameras: CameraSignalling;
  /** The whole service: its access re-check (`service.accessRecheck`), stats and test hooks. */
  service: CameraService;
  /** Its configuration: the node's jobs read CAMERA_ACCESS_RECHECK_MS from it. */
  config: CameraConfig;
  /**
   * The node listens at `url`: the service takes its feed leases (announcing CAMERA_NODE_URL, or `url`, to the
   * other nodes) and warms its feeds.
   */
  listening(url: string): void;
  stop(): Promise<void>;
}

/**
 * The one place the realtime node wires the camera in: parses the camera config from `env`, creates the
 * service and registers WHEP and the viewer page on the node's uWebSockets.js app. `nodeId` names this node in
 * the feed leases: each camera's feed is opened by one node only, and WHEP requests for it are forwarded there.
 */
export function attachCameraService(
  app: TemplatedApp,
  options: { sql: Sql; logger: Logger; jwtSecret: string; env: Record<string, unknown>; nodeId: string },
): CameraAttachment {
  const config = parseEnv(CameraEnv, options.env);
  const mediaStore = configuredMediaStore(parseEnv(MediaEnv, options.env));
  const service = new CameraService(options.sql, config, options.logger, options.nodeId, mediaStore);
  registerWhepRoutes(app, service.whep, {
    jwtSecret: options.jwtSecret,
    logger: options.logger,
    routing: { ownerOf: (cameraId) => service.ownerOf(cameraId), nodeId: options.nodeId },
  });
  const ownerOf = (cameraId: string) => service.ownerOf(cameraId);
  registerSignallingRelayRoutes(app, service.signalling, { jwtSecret: options.jwtSecret, logger: options.logger });
  const cameras = new RoutedSignalling({
    local: service.signalling,
    ownerOf,
    jwtSecret: options.jwtSecret,
    nodeId: options.nodeId,
    logger: options.logger,
  });
  // Alert wake-ups start event media captures; a lost one is found by the event-media sweep (`cameraJobs`).
  const alertWatch = options.sql
    .listen(ALERTS_CHANNEL, (payload) => {
      try {
        service.alertChanged(JSON.parse(payload) as AlertNotification);
      } catch (error) {
        options.logger.warn('alert wake-up not understood', { error: (error as Error).message });
      }
    })
    .catch((error: Error) => {
      options.logger.error('event media cannot listen for alerts; the sweep still finds them', {
        error: error.message,
      });
      return null;
    });
  const listening = (url: string) => {
    service.listening(config.CAMERA_NODE_URL || url);
    void service.reconcileFeeds().catch((error: Error) => {
      options.logger.warn('camera warm-up failed', { error: error.message });
    });
  };
  const stop = async () => {
    await (await alertWatch)?.unlisten().catch(() => {});
    await service.shutdown();
  };
  return { cameras, service, config, listening, stop };
}
