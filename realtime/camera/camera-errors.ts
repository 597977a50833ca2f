import type { ServerFrame } from '../protocol';

/**
 * Errors the camera service reports, with the WebSocket `error` frame code, the WHEP HTTP status and whether
 * trying again later can help. Codes 31xx are the camera's block in the realtime error catalogue.
 */
export const cameraErrors = {
  CAMERA_NOT_FOUND: { code: 3100, status: 404, retryable: false, message: 'camera not found' },
  CAMERA_NO_CONSENT: {
    code: 3101,
    status: 403,
    retryable: false,
    message: 'no consent is recorded for this camera: it does not stream',
  },
  CAMERA_FORBIDDEN: {
    code: 3102,
    status: 403,
    retryable: false,
    message: 'a caregiver may watch only while the resident has an open alert or with standing access',
  },
  CAMERA_DISABLED: { code: 3103, status: 409, retryable: false, message: 'camera is disabled' },
  CAMERA_SESSION_NOT_FOUND: { code: 3104, status: 404, retryable: false, message: 'camera session not found' },
  CAMERA_BAD_SDP: { code: 3105, status: 400, retryable: false, message: 'the SDP was not accepted' },
  CAMERA_TOO_MANY_SESSIONS: {
    code: 3106,
    status: 429,
    retryable: true,
    message: 'too many camera sessions on this connection',
  },
  CAMERA_UNAVAILABLE: { code: 3107, status: 503, retryable: true, message: 'camera feed could not be started' },
  CAMERA_RESIDENT_DISCHARGED: {
    code: 3109,
    status: 409,
    retryable: false,
    message: 'the resident is discharged: their cameras do not stream',
  },
  CAMERA_ACCESS_EXPIRED: {
    code: 3108,
    status: 401,
    retryable: true,
    message: 'the access token of this view expired: refresh it and watch again',
  },
} as const;

export type CameraErrorName = keyof typeof cameraErrors;

export class CameraError extends Error {
  readonly code: number;
  readonly status: number;
  readonly retryable: boolean;

  constructor(
    override readonly name: CameraErrorName,
    detail?: string,
  ) {
    super(detail ?? cameraErrors[name].message);
    this.code = cameraErrors[name].code;
    this.status = cameraErrors[name].status;
    this.retryable = cameraErrors[name].retryable;
  }
}

/** The WebSocket `error` frame reporting `error` about `ref` (a session id, or the camera id before there is one). */
export function errorFrame(error: CameraError, ref: string): ServerFrame {
  return { type: 'error', code: error.code, message: error.message, retryable: error.retryable, ref };
}
