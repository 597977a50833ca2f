import { webCryptoHs256 } from './access-token';
import { describeAccessTokens } from './access-token.contract';

describeAccessTokens('Web Crypto', webCryptoHs256);
