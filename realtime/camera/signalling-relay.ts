import { issueAccessToken, type StaffIdentity } from '../../core/auth/access-token';
import type { Logger } from '../../core/logger';
import type { CameraSignalling } from '../camera-signalling';
import type { ServerFrame } from '../protocol';
import { CameraError, errorFrame } from './camera-errors';
import type { FeedOwner } from './feed-ownership';
import { RELAY_CONNECTION_HEADER } from './signalling-relay-routes';
import { FORWARDED_HEADER } from './whep-forward';

/** At most this many relayed views per dashboard connection, as for views served here. */
const MAX_RELAYS_PER_CONNECTION = 16;

interface Relay {
  connectionId: string;
  ownerUrl: string;
  /** The owner's relay connection (`signalling-relay-routes.ts`), once its response began. */
  relayId: string | null;
  /** The view's session on the owner, once its offer came through. */
  sessionId: string | null;
  token: string;
  abort: AbortController;
}

export interface RoutedSignallingOptions {
  local: CameraSignalling;
  ownerOf: (cameraId: string) => Promise<FeedOwner>;
  jwtSecret: string;
  nodeId: string;
  logger: Logger;
}

/**
 * Dashboard camera signalling with several nodes: a watch of a camera this node owns (or may take) is served here;
 * a watch of another node's camera is relayed to the owner over internal HTTP (`signalling-relay-routes.ts`), its
 * frames passed to the dashboard as they come and the dashboard's answer, candidates and stop passed back by
 * session id. The owner runs the access rule and writes the audit rows as the viewer (this node sends a token
 * for the viewer's identity, expiring when theirs does); media flows from the owner straight to the browser.
 */
export class RoutedSignalling implements CameraSignalling {
  private readonly relays = new Set<Relay>();

  constructor(private readonly options: RoutedSignallingOptions) {}

  async watch(
    identity: StaffIdentity,
    connectionId: string,
    cameraId: string,
    send: (frame: ServerFrame) => void,
  ): Promise<void> {
    let owner: FeedOwner;
    try {
      owner = await this.options.ownerOf(cameraId);
    } catch (error) {
      this.options.logger.error('camera owner lookup failed', { cameraId, error: (error as Error).message });
      send(errorFrame(new CameraError('CAMERA_UNAVAILABLE'), cameraId));
      return;
    }
    if (owner.here) return this.options.local.watch(identity, connectionId, cameraId, send);
    if (this.relaysOf(connectionId).length >= MAX_RELAYS_PER_CONNECTION) {
      send(errorFrame(new CameraError('CAMERA_TOO_MANY_SESSIONS'), cameraId));
      return;
    }
    const token = await this.tokenFor(identity);
    if (!token) {
      send(errorFrame(new CameraError('CAMERA_ACCESS_EXPIRED'), cameraId));
      return;
    }
    const relay: Relay = {
      connectionId,
      ownerUrl: owner.nodeUrl,
      relayId: null,
      sessionId: null,
      token,
      abort: new AbortController(),
    };
    this.relays.add(relay);
    // Resolves at the offer (or the end): the frame is handled then, as a watch served here is; the view's later
    // frames keep streaming in the background (a drain waits for frames in hand, not for running views).
    let setUp = () => {};
    const offered = new Promise<void>((resolve) => {
      setUp = resolve;
    });
    void this.run(relay, cameraId, send, setUp).finally(() => {
      this.relays.delete(relay);
      setUp();
    });
    await offered;
  }

  /** Streams the owner's frames to the dashboard until the view ends there, the owner goes, or `disconnect`. */
  private async run(
    relay: Relay,
    cameraId: string,
    send: (frame: ServerFrame) => void,
    setUp: () => void,
  ): Promise<void> {
    let ended = false;
    const pass = (frame: ServerFrame) => {
      if (frame.type === 'camera.offer') {
        relay.sessionId = frame.sessionId;
        setUp();
      }
      if (frame.type === 'error' || (frame.type === 'camera.state' && frame.state === 'ended')) ended = true;
      send(frame);
    };
    try {
      const response = await fetch(`${relay.ownerUrl}/camera/relay/watch/${encodeURIComponent(cameraId)}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${relay.token}`, [FORWARDED_HEADER]: this.options.nodeId },
        signal: relay.abort.signal,
      });
      relay.relayId = response.headers.get(RELAY_CONNECTION_HEADER);
      if (!response.ok || !response.body || !relay.relayId) throw new Error(`owner answered ${response.status}`);
      const decoder = new TextDecoder();
      const reader = response.body.getReader();
      let buffered = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffered += decoder.decode(value, { stream: true });
        let newline = buffered.indexOf('\n');
        while (newline >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          if (line) pass(JSON.parse(line) as ServerFrame);
          newline = buffered.indexOf('\n');
        }
      }
    } catch (error) {
      if (relay.abort.signal.aborted) return; // the dashboard went: nobody to tell
      this.options.logger.info('relayed camera view lost its owner', { cameraId, error: (error as Error).message });
    }
    if (ended || relay.abort.signal.aborted) return;
    // The owner went (killed, drained) without ending the view: the dashboard hears it ended and may watch again.
    if (relay.sessionId) {
      send({ type: 'camera.state', sessionId: relay.sessionId, cameraId, state: 'ended', reason: 'camera node gone' });
    } else send(errorFrame(new CameraError('CAMERA_UNAVAILABLE'), cameraId));
  }

  async answer(connectionId: string, sessionId: string, sdp: string): Promise<void> {
    const relay = this.relayOf(connectionId, sessionId);
    if (relay) await this.command(relay, 'answer', { sessionId, sdp });
    else await this.options.local.answer(connectionId, sessionId, sdp);
  }

  candidate(connectionId: string, sessionId: string, candidate: string, mid?: string): void {
    const relay = this.relayOf(connectionId, sessionId);
    if (relay) void this.command(relay, 'candidate', { sessionId, candidate, mid });
    else this.options.local.candidate(connectionId, sessionId, candidate, mid);
  }

  async stop(connectionId: string, sessionId: string): Promise<void> {
    const relay = this.relayOf(connectionId, sessionId);
    if (relay) await this.command(relay, 'stop', { sessionId });
    else await this.options.local.stop(connectionId, sessionId);
  }

  /** Ends the connection's views here and its relayed ones (closing a relay ends the view on the owner). */
  async disconnect(connectionId: string): Promise<void> {
    for (const relay of this.relaysOf(connectionId)) {
      relay.abort.abort();
      this.relays.delete(relay);
    }
    await this.options.local.disconnect(connectionId);
  }

  reauthenticate(connectionId: string, identity: StaffIdentity): void {
    this.options.local.reauthenticate(connectionId, identity);
    for (const relay of this.relaysOf(connectionId)) {
      void this.tokenFor(identity).then((token) => {
        if (!token) return;
        relay.token = token;
        return this.command(relay, 'reauthenticate', {});
      });
    }
  }

  private relaysOf(connectionId: string): Relay[] {
    return [...this.relays].filter((relay) => relay.connectionId === connectionId);
  }

  private relayOf(connectionId: string, sessionId: string): Relay | undefined {
    return this.relaysOf(connectionId).find((relay) => relay.sessionId === sessionId);
  }

  /** A token for `identity` that expires when the one it connected with does; null once that has passed. */
  private async tokenFor(identity: StaffIdentity): Promise<string | null> {
    const now = Math.floor(Date.now() / 1000);
    if (identity.expiresAt <= now) return null;
    const { token } = await issueAccessToken(identity, this.options.jwtSecret, identity.expiresAt - now, now);
    return token;
  }

  private async command(relay: Relay, command: string, body: Record<string, unknown>): Promise<void> {
    if (!relay.relayId) return;
    try {
      await fetch(`${relay.ownerUrl}/camera/relay/${encodeURIComponent(relay.relayId)}/${command}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${relay.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(5000),
      });
    } catch (error) {
      this.options.logger.info('relayed camera command failed', { command, error: (error as Error).message });
    }
  }
}
