// Constants of the dashboard WebSocket protocol (realtime/protocol.ts is the source; a test keeps these equal).
export const PROTOCOL = 'carewatch.v1';
export const BEARER_PREFIX = 'bearer.';
export const RESUME_PREFIX = 'resume.';
/** Close code of a draining realtime node (realtime/errors.ts closeCodes.draining): reconnect at once and resume. */
export const DRAINING_CLOSE = 1012;
