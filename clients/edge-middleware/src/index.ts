// tcoder-edge-middleware: the tcoder edge's /premium/ JWT rule for CDN
// scripts that speak fetch. See README.md for what is mirrored and what is not.

export { createHandler, refusalResponse, verifyRequest } from './middleware.js';
export type { Handler, HandlerOptions, PremiumOptions, RequestVerdict } from './middleware.js';
export {
  MAX_TOKEN_LENGTH,
  authorizePremium,
  authorizeRequest,
  findToken,
  needsToken,
  premiumSecret,
} from './rule.js';
export type { Secret, Verdict } from './rule.js';
export type { HmacSecret } from './libjwt.js';
