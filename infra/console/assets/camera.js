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
    // The answer carries our first candidates, so the server checks them as it applies it; later ones trickle.
    // (Trickled a moment after the answer, the server's ICE agent checked them only ~50 ms later: its pacing.)
    let answered = false;
    let firstCandidate = () => {};
    const gathered = new Promise((resolve) => {
      firstCandidate = resolve;
      setTimeout(resolve, 1000);
    });
    peer.addEventListener('icecandidate', (event) => {
      if (!answered || !event.candidate?.candidate) {
        firstCandidate();
        return;
      }
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
    await gathered;
    await new Promise((resolve) => setTimeout(resolve, 0)); // candidates found in the same task
    if (this.peer !== peer) return; // replaced or stopped meanwhile
    answered = true;
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
