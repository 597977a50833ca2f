/** What `viewer.html` exposes as `window.camera`, for the tests and the benchmark that drive it in Chromium. */
export interface ViewerPageStats {
  framesDecoded: number;
  frameWidth: number;
  videoWidth: number;
  videoHeight: number;
  /** From starting to watch to the first frame painted. */
  firstFrameMs: number | null;
  states: string[];
  errors: Record<string, unknown>[];
  /**
   * Milestones of the current watch in ms after it began, each taken from its event the first time it happened:
   * `offerCreated`, `gathered`, `answerReceived`, `answerApplied` (WHEP); `socketOpen`, `offerReceived`,
   * `answerSent` (WebSocket); `ice-<iceConnectionState>`, `dtls-<state>`, `peer-<connectionState>`, `track`,
   * `firstRtp` (the track's unmute: the first packet), `firstFrameReceived`, `firstFramePresented` (handed to the
   * compositor; only when the callback's frame was the first) and `firstFrame` (the frame callback ran: painted).
   */
  timeline: Record<string, number>;
  /** The first painted frame's RTP timestamp and how many frames the element had presented by then. */
  firstFrame: { rtpTimestamp?: number; presentedFrames: number } | null;
  /** The video's `inbound-rtp` stats entry (packets, frames decoded, jitter buffer, NACK/PLI counts). */
  inbound: Record<string, unknown> | null;
}

export interface ViewerPage {
  watchWhep(options: { cameraId: string; token: string; base?: string }): Promise<{
    status: number;
    location?: string;
    problem?: Record<string, unknown>;
  }>;
  watchWebSocket(options: { url: string; cameraId: string; token: string }): Promise<{
    sessionId?: string;
    error?: Record<string, unknown>;
  }>;
  stats(): Promise<ViewerPageStats>;
  stop(): Promise<void>;
}

declare global {
  interface Window {
    camera: ViewerPage;
  }
}
