import { createFactory } from 'hono/factory';
import type { AppEnv } from './context';

/**
 * A route's spec (its OpenAPI description, role guard and validators, from `*.routes.ts`) and its handler as one
 * tuple to mount with `.get(path, ...tuple)`: the handler reads the input the spec's validators checked, typed, and
 * its responses stay in the app's RPC type (`AppType`).
 */
export const { createHandlers: handle } = createFactory<AppEnv>();
