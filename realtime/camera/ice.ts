import type { RtcConfig } from 'node-datachannel';
import type { IceServer } from '../protocol';
import { type CameraConfig, toLibdatachannelIceServers } from './env';
import { withTurnCredentials } from './turn-credentials';
import type { ViewerPeer } from './viewer-peer';

/**
 * ICE for the camera's peers: the STUN/TURN servers each viewer is told (TURN entries with that viewer's own
 * short-lived credentials), the configuration of the server's peers, and the candidates viewers trickle to them.
 */
export class CameraIce {
  /** Ports, UDP mux and bind address of the server's peers; the same for every peer. */
  private readonly network: Omit<RtcConfig, 'iceServers'>;

  constructor(private readonly config: CameraConfig) {
    this.network = {
      ...(config.CAMERA_PORT_RANGE_BEGIN > 0 && {
        portRangeBegin: config.CAMERA_PORT_RANGE_BEGIN,
        portRangeEnd: config.CAMERA_PORT_RANGE_END || config.CAMERA_PORT_RANGE_BEGIN,
      }),
      ...(config.CAMERA_ICE_UDP_MUX && { enableIceUdpMux: true }),
      ...(config.CAMERA_ICE_BIND_ADDRESS && { bindAddress: config.CAMERA_ICE_BIND_ADDRESS }),
    };
  }

  /** STUN/TURN servers for one viewer: TURN entries get that viewer's own short-lived credentials. */
  serversFor(who: string): IceServer[] {
    const turn = { secret: this.config.TURN_SHARED_SECRET, ttlSeconds: this.config.TURN_CREDENTIAL_TTL_SECONDS };
    return withTurnCredentials(this.config.ICE_SERVERS, turn, who);
  }

  /** The server peer's configuration, with fresh TURN credentials for each peer. */
  peerConfig(): RtcConfig {
    return { ...this.network, iceServers: toLibdatachannelIceServers(this.serversFor('realtime')) };
  }

  /** WHEP `Link: <url>; rel="ice-server"` header advertising the STUN/TURN servers, with this viewer's credentials. */
  linkHeader(staffId: string): Record<string, string> {
    const links = this.serversFor(staffId).flatMap((server) =>
      (Array.isArray(server.urls) ? server.urls : [server.urls]).map((url) =>
        server.username === undefined
          ? `<${url}>; rel="ice-server"`
          : `<${url}>; rel="ice-server"; username="${server.username}"; credential="${server.credential ?? ''}"; credential-type="password"`,
      ),
    );
    return links.length > 0 ? { link: links.join(', ') } : {};
  }
}

/**
 * Hands a candidate the viewer trickled to its server peer (`mid` defaults to the video m-line). Returns the error
 * when the peer cannot use it: not fatal, other candidates may work.
 */
export function addViewerCandidate(peer: ViewerPeer, candidate: string, mid = 'video'): Error | null {
  try {
    peer.addRemoteCandidate(candidate, mid);
    return null;
  } catch (error) {
    return error as Error;
  }
}
