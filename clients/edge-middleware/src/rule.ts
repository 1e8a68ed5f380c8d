// The edge's /premium/ rule, function for function as src/edge/jwt.h has it:
// which paths need a token (needsToken), where the token is found
// (findToken), and whether it is an HS256 JWT, signed with the JWT secret,
// whose is_premium claim is the JSON boolean true and whose exp/nbf hold
// (authorizePremium). Strings are byte strings (bytes.ts); a string with
// wider characters is read as its UTF-8 bytes. Reasons are the edge's own
// words and never contain the token. Pure functions apart from WebCrypto.

import {
  asciiLower,
  isBase64UrlText,
  percentDecode,
  percentDecodeLenient,
  toByteString,
  trim,
} from './bytes.js';
import { type JsonValue } from './json.js';
import { HmacSecret, libjwtDecode } from './libjwt.js';

/** The answer for one token or request. */
export interface Verdict {
  allowed: boolean;
  reason: string;
}

/** A JWT secret: its text (UTF-8, as the edge reads it), its bytes, or one prepared with premiumSecret(). */
export type Secret = string | Uint8Array | HmacSecret;

/** Tokens longer than this many bytes are denied unread. */
export const MAX_TOKEN_LENGTH = 8192;

/** A secret whose WebCrypto keys are imported once and kept, for a handler that lives across requests. */
export function premiumSecret(secret: string | Uint8Array): HmacSecret {
  return new HmacSecret(secret);
}

const deny = (reason: string): Verdict => ({ allowed: false, reason });

// Three parts of base64url characters split by exactly two dots, header and payload not empty.
function wellFormed(token: string): boolean {
  const parts = token.split('.');
  return parts.length === 3 && parts[0] !== '' && parts[1] !== '' && parts.every(isBase64UrlText);
}

// exp and nbf are NumericDates: a JSON number when present.
function checkTimes(claims: Map<string, JsonValue>, now: number): Verdict | undefined {
  if (claims.has('exp')) {
    const exp = claims.get('exp');
    if (typeof exp !== 'number') return deny('malformed exp claim');
    if (now >= exp) return deny('token expired');
  }
  if (claims.has('nbf')) {
    const nbf = claims.get('nbf');
    if (typeof nbf !== 'number') return deny('malformed nbf claim');
    if (now < nbf) return deny('token not valid yet (nbf)');
  }
  return undefined;
}

function checkClaims(claims: JsonValue, now: number): Verdict {
  if (!(claims instanceof Map)) return deny('malformed claims');
  const times = checkTimes(claims, now);
  if (times !== undefined) return times;
  // The JSON boolean true only: not "true", not 1.
  if (claims.get('is_premium') !== true) return deny('not a premium token (is_premium is not true)');
  return { allowed: true, reason: 'premium token' };
}

/**
 * Whether `token` may read /premium/ paths at `now` (Unix seconds) when
 * signed with `secret`. Anything malformed, unsigned, signed otherwise or
 * with another algorithm than HS256, expired (now >= exp), not yet valid
 * (now < nbf), or without "is_premium": true is denied. An empty secret
 * denies everything.
 */
export async function authorizePremium(token: string, secret: Secret, now: number): Promise<Verdict> {
  const key = secret instanceof HmacSecret ? secret : new HmacSecret(secret);
  if (key.bytes.length === 0) return deny('no JWT secret configured');
  const bytes = toByteString(token);
  if (bytes === '') return deny('no token');
  if (bytes.length > MAX_TOKEN_LENGTH) return deny('token too long');
  if (!wellFormed(bytes)) return deny('malformed token');
  const decoded = await libjwtDecode(bytes, key);
  if (decoded === undefined) return deny('invalid token (malformed or bad signature)');
  // libjwt verifies with whatever HMAC the header names and reads its name
  // ignoring case; the edge pins the header's own text to "HS256".
  if (decoded.alg !== 'HS256' || decoded.header.get('alg') !== 'HS256') return deny('algorithm must be HS256');
  return checkClaims(decoded.claims, now);
}

// The query's first nonempty `token` parameter (name and value URL-decoded).
function queryToken(query: string): string | undefined {
  for (const param of query.split('&')) {
    const eq = param.indexOf('=');
    if (eq < 0 || percentDecode(param.slice(0, eq)) !== 'token') continue;
    const raw = param.slice(eq + 1);
    if (raw === '') continue;
    // An undecodable value is still the token given: it is denied as malformed, not skipped.
    return percentDecode(raw) ?? raw;
  }
  return undefined;
}

function bearerToken(header: string): string | undefined {
  header = trim(header);
  if (header.length <= 6 || asciiLower(header.slice(0, 6)) !== 'bearer') return undefined;
  if (header[6] !== ' ' && header[6] !== '\t') return undefined;
  const token = trim(header.slice(6));
  return token === '' ? undefined : token;
}

/**
 * The request's token, first found wins: the query's `token` parameter
 * (URL-decoded; the first one if repeated), then `Authorization: Bearer`,
 * then the X-TCoder-Token header. Empty values count as absent. Pass the raw
 * query string (without '?') and the header values ("" when absent).
 */
export function findToken(query: string, authorization: string, xTcoderToken: string): string | undefined {
  const fromQuery = queryToken(toByteString(query));
  if (fromQuery !== undefined) return fromQuery;
  const fromBearer = bearerToken(toByteString(authorization));
  if (fromBearer !== undefined) return fromBearer;
  const fromHeader = trim(toByteString(xTcoderToken));
  return fromHeader === '' ? undefined : fromHeader;
}

// The segments of `path`, lower-cased with '\' read as '/', each cut at ';'
// or '#', "." and empty ones dropped, ".." applied; with the first segment as
// it was before ".." was applied, and whether ".." climbed above the root.
function segments(path: string): { resolved: string[]; firstRaw: string; escaped: boolean } {
  const resolved: string[] = [];
  let firstRaw = '';
  let escaped = false;
  for (const part of asciiLower(path).replaceAll('\\', '/').split('/')) {
    const segment = part.split(/[;#]/, 1)[0]!;
    if (segment === '' || segment === '.') continue;
    if (firstRaw === '') firstRaw = segment;
    if (segment !== '..') resolved.push(segment);
    else if (resolved.length === 0) escaped = true;
    else resolved.pop();
  }
  return { resolved, firstRaw, escaped };
}

// Whether one decoding of the path reaches the premium prefix.
function viewIsPremium(path: string): boolean {
  if (/[\x00-\x1f\x7f]/.test(path)) return true; // NUL, CR, LF...: refuse to guess
  const { resolved, firstRaw, escaped } = segments(path);
  return escaped || firstRaw === 'premium' || resolved[0] === 'premium';
}

/**
 * Whether a request for `path` (the raw request path; a query after '?' is
 * ignored) needs a premium token. Decides safely: a path that does not start
 * with '/' needs one; otherwise the path is URL-decoded (repeatedly),
 * case-folded, '\' is read as '/', empty and "." segments are dropped, and
 * the answer is yes if its first segment is "premium" either before or after
 * ".." is resolved, if ".." climbs above the root, or if the path cannot be
 * decoded.
 */
export function needsToken(rawPath: string): boolean {
  const path = toByteString(rawPath).split('?', 1)[0]!;
  if (path !== '' && path[0] !== '/') return true;
  let view = percentDecode(path);
  if (view === null) return true;
  if (viewIsPremium(path)) return true;
  for (let round = 0; round < 8; round++) {
    if (viewIsPremium(view)) return true;
    const next = percentDecodeLenient(view);
    if (next === view) return false;
    view = next;
  }
  return true; // still changing after 8 rounds: nobody encodes a path that deeply
}

/** The whole rule for one request: paths that need no token are allowed; others need the first token found to pass. */
export async function authorizeRequest(
  path: string,
  query: string,
  authorization: string,
  xTcoderToken: string,
  secret: Secret,
  now: number,
): Promise<Verdict> {
  if (!needsToken(path)) return { allowed: true, reason: 'public path' };
  const token = findToken(query, authorization, xTcoderToken);
  if (token === undefined) return deny('premium path needs a token');
  return authorizePremium(token, secret, now);
}
