import type { StaffIdentity } from '../../core/auth/access-token';
import type { Services } from '../services';

/** Hono environment of the app: services arrive as the fetch "env" argument on every runtime. */
export interface AppEnv {
  /** `clientIp` is the peer address as the runtime sees it (Node socket, Workers `cf-connecting-ip`). */
  Bindings: { services: Services; clientIp?: string };
  Variables: {
    requestId: string;
    identity: StaffIdentity;
  };
}
