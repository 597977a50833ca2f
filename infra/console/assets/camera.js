// Live camera over the dashboard WebSocket: camera.watch → the server's camera.offer → our answer, ICE candidates
// both ways, camera.state updates, camera.stop. The server is the sending peer; this page only receives.
export class CameraViewer {
  /**
   * @param {{socket: import('./alert-socket.js').AlertSocket, video: HTMLVideoElement,
   *          onState: (state: string, reason?: string) => void}} options
   */
  constructor({ socket, video, onState }) {
    this.socket = socket;
    this.video = video;
    this.onState = onState;
    this.cameraId = null;
    this.sessionId = null;
    this.peer = null;
    this.pendingCandidates = [];
    socket.addEventListener('camera.offer', (event) => this.onOffer(event.detail));
    socket.addEventListener('camera.candidate', (event) => this.onRemoteCandidate(event.detail));
    socket.addEventListener('camera.state', (event) => this.onCameraState(event.detail));
    // After a reconnect the server has forgotten our session: ask again.
    socket.addEventListener('welcome', () => {
      if (this.cameraId) this.watch(this.cameraId);
    });
  }

  watch(cameraId) {
    this.closePeer();
    this.cameraId = cameraId;
    this.onState('connecting');
    this.socket.send({ type: 'camera.watch', cameraId });
  }

  stop() {
    if (this.sessionId) this.socket.send({ type: 'camera.stop', sessionId: this.sessionId });
    this.cameraId = null;
    this.closePeer();
  }

  async onOffer({ sessionId, cameraId, sdp, iceServers }) {
    if (cameraId !== this.cameraId) {
      this.socket.send({ type: 'camera.stop', sessionId });
      return;
    }
    this.closePeer();
    this.sessionId = sessionId;
    const peer = new RTCPeerConnection({ iceServers: iceServers ?? [] });
    this.peer = peer;
    peer.addEventListener('track', (event) => {
      const [stream] = event.streams;
      this.video.srcObject = stream ?? new MediaStream([event.track]);
      this.video.play().catch(() => {});
    });
    peer.addEventListener('icecandidate', (event) => {
      if (!event.candidate?.candidate) return;
      this.socket.send({
        type: 'camera.candidate',
        sessionId,
        candidate: event.candidate.candidate,
        ...(event.candidate.sdpMid ? { mid: event.candidate.sdpMid } : {}),
      });
    });
    peer.addEventListener('connectionstatechange', () => {
      if (peer.connectionState === 'connected') this.onState('live');
      if (peer.connectionState === 'failed') this.onState('offline', 'ice failed');
    });
    await peer.setRemoteDescription({ type: 'offer', sdp });
    const answer = await peer.createAnswer();
    await peer.setLocalDescription(answer);
    this.socket.send({ type: 'camera.answer', sessionId, sdp: peer.localDescription?.sdp ?? answer.sdp });
    for (const candidate of this.pendingCandidates.splice(0)) await this.addCandidate(candidate);
  }

  async onRemoteCandidate(frame) {
    if (frame.sessionId !== this.sessionId) return;
    if (!this.peer?.remoteDescription) this.pendingCandidates.push(frame);
    else await this.addCandidate(frame);
  }

  async addCandidate({ candidate, mid }) {
    try {
      await this.peer?.addIceCandidate({ candidate, sdpMid: mid ?? '0' });
    } catch {
      // A candidate for a transport we do not use; harmless.
    }
  }

  onCameraState({ sessionId, cameraId, state, reason }) {
    if (cameraId !== this.cameraId && sessionId !== this.sessionId) return;
    this.onState(state, reason);
  }

  closePeer() {
    this.peer?.close();
    this.peer = null;
    this.sessionId = null;
    this.pendingCandidates = [];
    this.video.srcObject = null;
  }
}
