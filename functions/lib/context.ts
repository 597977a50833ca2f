import type { Context, Input } from 'hono';
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

/** A request's context in any route of the app, whatever its path and validated input. */
export type AppContext = Context<AppEnv, string, Input>;
