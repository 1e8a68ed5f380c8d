// The /premium/ rule in front of an origin, for CDN scripts that speak fetch
// (Bunny Edge Scripting, Cloudflare Workers): verifyRequest() says allow or
// refuse for one Request, with the refusal the edge would send (403, its JSON
// body and headers); createHandler() returns a { fetch(request) } that sends
// the refusal or passes the request on to the origin unchanged. Web APIs only
// (URL, Headers, Request, Response, crypto.subtle): nothing from Node.

import { authorizeRequest } from './rule.js';
import { HmacSecret } from './libjwt.js';

export interface PremiumOptions {
  /**
   * The edge's JWT secret (`--jwt-secret`, `TCODER_JWT_SECRET`, secrets.json's
   * `jwt_secret`). Empty: every /premium/ request is refused, as at the edge.
   */
  secret: string | Uint8Array | HmacSecret;
  /** The time in Unix seconds; the clock by default. */
  now?: () => number;
}

export type RequestVerdict =
  | { allowed: true; reason: string }
  | { allowed: false; reason: string; response: Response };

/** The edge's CORS headers, on its refusals as on everything else it sends. */
const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'Content-Length, Content-Range, Accept-Ranges, ETag, Last-Modified',
};

/** The edge's refusal: 403, `{"error":"forbidden","message":reason}` (no body for HEAD), never cached. */
export function refusalResponse(reason: string, method = 'GET'): Response {
  const headers = { ...CORS, 'Content-Type': 'application/json', 'Cache-Control': 'no-store' };
  const body = method === 'HEAD' ? null : `${JSON.stringify({ error: 'forbidden', message: reason })}\n`;
  return new Response(body, { status: 403, headers });
}

// Imported WebCrypto keys, kept per options object so that a secret given as
// text is imported once rather than on every request.
const prepared = new WeakMap<PremiumOptions, { from: PremiumOptions['secret']; key: HmacSecret }>();

function secretOf(options: PremiumOptions): HmacSecret {
  if (options.secret instanceof HmacSecret) return options.secret;
  const cached = prepared.get(options);
  if (cached !== undefined && cached.from === options.secret) return cached.key;
  const key = new HmacSecret(options.secret);
  prepared.set(options, { from: options.secret, key });
  return key;
}

/**
 * The edge's verdict on `request`. OPTIONS is always allowed (the edge answers
 * preflights, which carry no credentials, without a token). Any other method
 * on a path that needsToken() must carry a token that passes; other paths are
 * allowed whatever they carry. The path and query are the request URL's as
 * the runtime parsed it (WHATWG URL), the headers are Headers.get()'s values.
 */
export async function verifyRequest(request: Request, options: PremiumOptions): Promise<RequestVerdict> {
  if (request.method === 'OPTIONS') return { allowed: true, reason: 'preflight' };
  const url = new URL(request.url);
  const now = options.now?.() ?? Math.floor(Date.now() / 1000);
  const verdict = await authorizeRequest(
    url.pathname,
    url.search.slice(1),
    request.headers.get('Authorization') ?? '',
    request.headers.get('X-TCoder-Token') ?? '',
    secretOf(options),
    now,
  );
  if (verdict.allowed) return { allowed: true, reason: verdict.reason };
  return { allowed: false, reason: verdict.reason, response: refusalResponse(verdict.reason, request.method) };
}

export interface HandlerOptions extends PremiumOptions {
  /**
   * Where allowed requests go: an http(s) URL whose scheme, host and path
   * prefix replace the request's, its path and query kept
   * ("https://origin.example/out" + "/premium/a.m3u8?token=..."). Omitted: the
   * request goes on as it is (a Worker on a route in front of its origin).
   */
  origin?: string;
  /** How to send it; the runtime's fetch by default. */
  fetch?: (request: Request) => Promise<Response>;
}

export interface Handler {
  fetch(request: Request, env?: unknown, ctx?: unknown): Promise<Response>;
}

function parseOrigin(origin: string): URL {
  const url = new URL(origin); // throws TypeError on what is not a URL
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.search !== '' || url.hash !== '') {
    throw new TypeError('origin must be an http(s) URL without a query or fragment');
  }
  return url;
}

// The request with the origin's scheme, host and path prefix; method, headers
// (the token too, for an origin that checks it again) and body unchanged.
function toOrigin(request: Request, origin: URL | undefined): Request {
  if (origin === undefined) return request;
  const url = new URL(request.url);
  const prefix = origin.pathname.replace(/\/+$/, '');
  return new Request(`${origin.origin}${prefix}${url.pathname}${url.search}`, request);
}

/** A { fetch(request) } handler: the edge's refusal, or the request passed on to the origin. */
export function createHandler(options: HandlerOptions): Handler {
  const origin = options.origin === undefined ? undefined : parseOrigin(options.origin);
  const send = options.fetch ?? ((request: Request) => fetch(request));
  const premium: PremiumOptions = { secret: premiumKey(options.secret), now: options.now };
  return {
    async fetch(request: Request): Promise<Response> {
      const verdict = await verifyRequest(request, premium);
      if (!verdict.allowed) return verdict.response;
      return send(toOrigin(request, origin));
    },
  };
}

function premiumKey(secret: PremiumOptions['secret']): HmacSecret {
  return secret instanceof HmacSecret ? secret : new HmacSecret(secret);
}
