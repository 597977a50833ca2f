// Constants of the dashboard WebSocket protocol (realtime/protocol.ts is the source; a test keeps these equal).
export const PROTOCOL = 'carewatch.v1';
export const BEARER_PREFIX = 'bearer.';
export const RESUME_PREFIX = 'resume.';
