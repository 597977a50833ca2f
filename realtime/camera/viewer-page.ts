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
