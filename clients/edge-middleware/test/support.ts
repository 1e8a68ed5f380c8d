// What the tests share: the JWT vectors (read from ../shared/vectors/ beside
// the repository, never copied into it), hand-signed tokens, the encodings the
// C++ tests use, and a fake origin that records what reaches it.

import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// A fixed "now" (Nov 2025), as in src/edge/jwt_test.cc: the vectors' exp and nbf are in 2001, 2099, 2100.
export const NOW = 1763700000;
export const SECRET = 'tcoder-test-secret-0123456789abcdef';

export interface VectorCase {
  name: string;
  token: string;
  path: string;
  allow: boolean;
}

/** build/test/ -> the package -> clients/ -> the repository -> its parent, where shared/ is. */
const PACKAGE_DIR = fileURLToPath(new URL('../../', import.meta.url));
export const VECTORS_FILE = path.resolve(PACKAGE_DIR, '../../../shared/vectors/jwt.json');

export function loadVectors(): { secret: string; cases: VectorCase[] } {
  const j = JSON.parse(readFileSync(VECTORS_FILE, 'utf8')) as {
    secret: string;
    cases: Array<{ name: string; token: string; path: string; expect: string }>;
  };
  return {
    secret: j.secret,
    cases: j.cases.map((c) => ({ name: c.name, token: c.token, path: c.path, allow: c.expect === 'allow' })),
  };
}

export function vectorToken(name: string): string {
  const found = loadVectors().cases.find((c) => c.name === name);
  if (found === undefined) throw new Error(`no vector ${name}`);
  return found.token;
}

export function base64Url(data: string | Uint8Array): string {
  return Buffer.from(typeof data === 'string' ? Buffer.from(data, 'utf8') : data).toString('base64url');
}

type Json = string | Uint8Array | object;
const text = (part: Json): string | Uint8Array =>
  typeof part === 'string' || part instanceof Uint8Array ? part : JSON.stringify(part);

/** A token built by hand: any header and claims (objects, raw JSON text or raw bytes), MACed with HMAC-`hash`. */
export function handSigned(header: Json, claims: Json, secret = SECRET, hash = 'sha256'): string {
  const signingInput = `${base64Url(text(header))}.${base64Url(text(claims))}`;
  return `${signingInput}.${createHmac(hash, secret).update(signingInput).digest('base64url')}`;
}

/** HMAC-SHA256 over a signing input given as its two base64url parts, exactly as written. */
export function signParts(head: string, body: string, secret = SECRET, hash = 'sha256'): string {
  return `${head}.${body}.${createHmac(hash, secret).update(`${head}.${body}`).digest('base64url')}`;
}

export function hs256(claims: Json): string {
  return handSigned({ alg: 'HS256', typ: 'JWT' }, claims);
}

/** Every byte as %XX: the query source must URL-decode (jwt_test.cc's PercentEncodeAll). */
export function percentEncodeAll(s: string): string {
  return [...Buffer.from(s, 'latin1')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
}

/** All but RFC 3986's unreserved characters percent-encoded (edge_http_test.cc's UrlEncode). */
export function urlEncode(s: string): string {
  return [...Buffer.from(s, 'utf8')]
    .map((b) => {
      const c = String.fromCharCode(b);
      return /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

export const PLAYLIST = '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-ENDLIST\n';

/** An origin that answers every request with the playlist and keeps the requests it saw. */
export class FakeOrigin {
  readonly seen: Request[] = [];
  readonly fetch = async (request: Request): Promise<Response> => {
    this.seen.push(request);
    return new Response(request.method === 'HEAD' ? null : PLAYLIST, {
      status: 200,
      headers: { 'Content-Type': 'application/vnd.apple.mpegurl', 'Cache-Control': 'private, max-age=2', 'X-Via': 'tcoder-edge' },
    });
  };

  get last(): Request | undefined {
    return this.seen[this.seen.length - 1];
  }
}
