// web-push always sends with https.request and accepts only an https.Agent. This one hands it a plain TCP socket,
// so web-push reaches the test push service's http:// endpoint exactly as it would a real service over TLS.
import { Agent, type AgentOptions, type RequestOptions } from 'node:https';
import { createConnection, type NetConnectOpts } from 'node:net';
import type { Duplex } from 'node:stream';

export class PlaintextAgent extends Agent {
  constructor(options: AgentOptions = { keepAlive: true }) {
    super(options);
  }

  override createConnection(options: RequestOptions): Duplex {
    // What http.Agent does for http:// (the options already carry host and port).
    return createConnection(options as NetConnectOpts);
  }
}
