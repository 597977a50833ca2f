import type { StaffIdentity } from '../auth/access-token';
import type { Services } from '../services';

/** Hono environment of the app: services arrive as the fetch "env" argument on every runtime. */
export interface AppEnv {
  Bindings: { services: Services };
  Variables: {
    requestId: string;
    identity: StaffIdentity;
  };
}
