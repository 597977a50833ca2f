/** Marks a WHEP request one node forwarded to the camera's owner: the owner serves it, never forwards it again. */
export const FORWARDED_HEADER = 'x-carewatch-forwarded';

/** How long the owner gets to answer a forwarded request (it answers an offer with every candidate gathered). */
const FORWARD_TIMEOUT_MS = 10_000;

/** The owner's answer, relayed to the player as it is. */
export interface ForwardedResponse {
  status: number;
  statusText: string;
  body: string;
  headers: Record<string, string>;
}

/** Answer headers the player needs: the SDP or problem type, the session's Location and the ICE servers. */
const RELAYED_HEADERS = ['content-type', 'location', 'link', 'allow'];

/**
 * Sends a WHEP request (offer, trickled candidates or DELETE) to the node that owns the camera's feed, over the nodes' internal HTTP,
 * with the viewer's own bearer token: the owner runs the access rule, writes the audit rows and answers, and the
 * media then flows by ICE from the owner straight to the player. `null` when the owner cannot be reached (it died
 * and its lease has not run out yet): the player retries, and once the lease is out the node it reaches takes over.
 */
export async function forwardWhep(
  ownerUrl: string,
  path: string,
  request: {
    method: 'POST' | 'PATCH' | 'DELETE';
    authorization: string;
    contentType?: string;
    body?: string;
    fromNode: string;
  },
): Promise<ForwardedResponse | null> {
  const headers: Record<string, string> = {
    authorization: request.authorization,
    [FORWARDED_HEADER]: request.fromNode,
  };
  if (request.contentType) headers['content-type'] = request.contentType;
  let response: Response;
  try {
    response = await fetch(`${ownerUrl}${path}`, {
      method: request.method,
      headers,
      body: request.body,
      signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
    });
  } catch {
    return null;
  }
  const relayed: Record<string, string> = {};
  for (const name of RELAYED_HEADERS) {
    const value = response.headers.get(name);
    if (value !== null) relayed[name] = value;
  }
  return { status: response.status, statusText: response.statusText, body: await response.text(), headers: relayed };
}
