import { describeAccessTokens } from '../core/auth/access-token.contract';
import { nodeHs256 } from './node-hs256';

describeAccessTokens('node:crypto', nodeHs256);
