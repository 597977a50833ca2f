/** A protocol error sent to the client in an `error` frame: a stable number, a message, and whether retrying helps. */
export interface ProtocolError {
  code: number;
  message: string;
  retryable: boolean;
}

/** Every error the node sends, numbered once (after centrifuge's errors.go). Numbers never change meaning. */
export const errors = {
  badFrame: { code: 1001, message: 'frame is not valid JSON for protocol carewatch.v1', retryable: false },
  notAuthenticated: { code: 1002, message: 'authenticate first: send an auth frame', retryable: false },
  alreadyAuthenticated: {
    code: 1003,
    message: 'connection is authenticated; a refresh needs a valid token for the same staff member',
    retryable: false,
  },
  unknownDelivery: { code: 1004, message: 'no such delivery for this staff member', retryable: false },
  unknownAlert: { code: 1005, message: 'no such alert', retryable: false },
  cameraUnavailable: { code: 1006, message: 'camera service unavailable', retryable: true },
  internal: { code: 1007, message: 'internal error, try again', retryable: true },
  resumeInProgress: { code: 1008, message: 'a resume is already running on this connection', retryable: true },
  resumeTooOften: {
    code: 1009,
    message: 'too many resumes on this connection; at most 10 a minute (reconnect with resume.<n> instead)',
    retryable: true,
  },
} as const satisfies Record<string, ProtocolError>;

/** Close codes (WebSocket close frames, 4000–4999 are ours). A client reconnects and resumes after any of them. */
export const closeCodes = {
  /** Token missing, invalid, expired, or the staff member is inactive. Reconnect with a fresh token. */
  unauthorized: 4001,
  /** No auth frame within the deadline. */
  authTimeout: 4002,
  /** The access token expired without a refresh (`auth` frame). Reconnect with a fresh token and resume. */
  tokenExpired: 4003,
  /** Too many bad frames. */
  abuse: 4009,
  /** The node could not set the connection up (database unreachable). Reconnect (with backoff) and resume. */
  goingAway: 1001,
  /**
   * The node is draining (SIGTERM: restart, scale-in, deploy): it accepts no new connections and closes every
   * dashboard with this code (RFC 6455 "Service Restart") once the frames it already received are handled.
   * Reconnect at once through the entry point, which sends the connection to another node, and resume.
   */
  draining: 1012,
} as const;
