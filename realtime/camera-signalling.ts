import type { StaffIdentity } from '../core/auth/access-token';
import type { ServerFrame } from './protocol';

/**
 * What the dashboard connection needs from the camera service to broker WebRTC over the WebSocket.
 * Errors for the client (unknown camera, no permission, offline) are sent as frames through `send`, never thrown.
 * Guarantee: after `disconnect(connectionId)` resolves, no peer of that connection is left open.
 */
export interface CameraSignalling {
  watch(
    identity: StaffIdentity,
    connectionId: string,
    cameraId: string,
    send: (frame: ServerFrame) => void,
  ): Promise<void>;
  answer(connectionId: string, sessionId: string, sdp: string): Promise<void>;
  candidate(connectionId: string, sessionId: string, candidate: string, mid?: string): void;
  stop(connectionId: string, sessionId: string): Promise<void>;
  disconnect(connectionId: string): Promise<void>;
  /**
   * The connection refreshed its token (same staff member): its views now run on `identity`, so a view is not
   * ended when the token it started with expires.
   */
  reauthenticate(connectionId: string, identity: StaffIdentity): void;
}
