/** Just enough SDP (RFC 8866) to pick a viewer's H264 format and to move ICE candidates out of a description. */

/** The first video m-line's mid and the payload type of H264 packetization-mode=1 (constrained baseline first). */
export function pickH264(sdp: string): { mid: string; payloadType: number } | null {
  const sections = sdp.split(/\r?\nm=/).slice(1);
  for (const section of sections) {
    if (!section.startsWith('video')) continue;
    const lines = section.split(/\r?\n/);
    if (lines.some((line) => line === 'a=inactive' || line === 'a=sendonly')) continue;
    const mid = lines
      .find((line) => line.startsWith('a=mid:'))
      ?.slice(6)
      .trim();
    if (!mid) continue;
    const h264 = lines
      .map((line) => /^a=rtpmap:(\d+) H264\/90000/i.exec(line)?.[1])
      .filter((pt): pt is string => pt !== undefined);
    const fmtp = (pt: string) => lines.find((line) => line.startsWith(`a=fmtp:${pt} `)) ?? '';
    const mode1 = h264.filter((pt) => /packetization-mode=1/.test(fmtp(pt)));
    const preferred = mode1.find((pt) => /profile-level-id=42e0/i.test(fmtp(pt))) ?? mode1[0];
    if (preferred) return { mid, payloadType: Number(preferred) };
  }
  return null;
}

export interface SdpCandidate {
  /** `candidate:…` (without the `a=` of the SDP line), as `addRemoteCandidate` and trickle frames carry it. */
  candidate: string;
  mid: string;
}

/**
 * Splits a description into the same description without ICE candidates (nor `a=end-of-candidates`, which would
 * tell ICE that no candidate is coming) and the candidates it carried, each with its m-section's mid, so they can
 * be trickled at a moment of our choosing.
 */
export function splitCandidates(sdp: string): { sdp: string; candidates: SdpCandidate[] } {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const lines = sdp.split(/\r?\n/);
  const kept: string[] = [];
  const candidates: SdpCandidate[] = [];
  let section: { mid: string; candidates: string[] } | null = null;
  const closeSection = () => {
    for (const candidate of section?.candidates ?? []) candidates.push({ candidate, mid: section?.mid ?? '0' });
  };
  for (const line of lines) {
    if (line.startsWith('m=')) {
      closeSection();
      section = { mid: '0', candidates: [] };
    } else if (line.startsWith('a=mid:') && section) {
      section.mid = line.slice(6).trim();
    } else if (line.startsWith('a=candidate:')) {
      section?.candidates.push(line.slice(2));
      continue;
    } else if (line === 'a=end-of-candidates') {
      continue;
    }
    kept.push(line);
  }
  closeSection();
  return { sdp: kept.join(eol), candidates };
}

/**
 * Our offer with `a=setup:active` instead of libdatachannel's `actpass`, so the viewer answers `passive` and the
 * server is the DTLS client. libdatachannel 0.24 drops a DTLS ClientHello that arrives before its own ICE agent
 * reports connected (upstream fixed by libdatachannel PR #1554, not in node-datachannel 0.33's 0.24.5); a browser
 * client (our answerer, ICE-controlled) sees ICE connected first, so its ClientHello was lost nearly every time and
 * the handshake waited for its retransmission (Chromium: 50 ms, then doubling). As client, the server starts the
 * handshake itself once its ICE is up, when the viewer is already listening. JSEP (RFC 9429 §5.3.1) answers an
 * `active` offer with `passive`; libdatachannel, still `actpass` locally, takes the client role from that answer.
 */
export function offerAsDtlsClient(sdp: string): string {
  return sdp.replace(/^a=setup:actpass$/gm, 'a=setup:active');
}

/**
 * The IP family of a candidate's connection address (`candidate:… 1 udp 2122 192.0.2.2 43802 typ host`), or null
 * for a host name (mDNS `….local`) or an unparsable line.
 */
export function candidateFamily(candidate: string): 4 | 6 | null {
  const address = candidate.replace(/^a=/, '').split(' ')[4] ?? '';
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) return 4;
  return address.includes(':') ? 6 : null;
}
