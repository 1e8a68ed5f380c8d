// What libjwt 1.10's jwt_decode() accepts, with a key given, for a token
// that is already known to be three base64url parts (the edge checks that
// first): the header and the payload must be JSON objects or arrays as
// jansson reads them (json.ts); the header's "alg" must name an algorithm,
// compared ignoring ASCII case; "none" is refused because a key is given; a
// string "typ" must be "JWT" ignoring case; and the signature must be, as
// text, exactly the unpadded base64url MAC that libjwt computes for that
// algorithm over "header.payload". Only the HMAC algorithms can pass with an
// HMAC secret: an RS*/ES* header asks libjwt to read the secret as a PEM
// public key, which an HS256 secret is not, so those are refused here.
// HMACs come from WebCrypto (crypto.subtle), as found in CDN runtimes and
// Node 20. Thread-safety: none needed (one event loop); keys are cached.

import { base64UrlEncode, libjwtBase64Decode, toBytes } from './bytes.js';
import { type JsonObject, type JsonValue, parseJanssonJson } from './json.js';

/** libjwt's algorithm names; jwt_str_alg() matches them ignoring ASCII case. */
const ALGORITHMS = ['none', 'HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'];
const HMAC_HASHES = new Map([
  ['HS256', 'SHA-256'],
  ['HS384', 'SHA-384'],
  ['HS512', 'SHA-512'],
]);

/** What jwt_decode() hands back: the algorithm it verified with, the header and the claims. */
export interface Decoded {
  alg: string; // libjwt's own spelling ("HS256" for a header's "hs256")
  header: JsonObject;
  claims: JsonValue; // an object or an array: the edge checks which
}

/** An HMAC secret with its WebCrypto keys, imported once per hash. */
export class HmacSecret {
  readonly bytes: Uint8Array<ArrayBuffer>;
  private readonly keys = new Map<string, Promise<CryptoKey>>();

  /** A string secret is its UTF-8 bytes, as the edge reads `--jwt-secret` and secrets.json. */
  constructor(secret: string | Uint8Array) {
    this.bytes = typeof secret === 'string' ? new TextEncoder().encode(secret) : Uint8Array.from(secret);
  }

  async mac(hash: string, text: string): Promise<Uint8Array> {
    let key = this.keys.get(hash);
    if (key === undefined) {
      key = crypto.subtle.importKey('raw', this.bytes, { name: 'HMAC', hash }, false, ['sign']);
      this.keys.set(hash, key);
    }
    return new Uint8Array(await crypto.subtle.sign('HMAC', await key, toBytes(text)));
  }
}

function libjwtAlgorithm(alg: JsonValue | undefined): string | undefined {
  if (typeof alg !== 'string') return undefined;
  const folded = asciiFold(alg);
  return ALGORITHMS.find((name) => asciiFold(name) === folded);
}

// strcasecmp() in the C locale: only A-Z and a-z are the same letter.
function asciiFold(s: string): string {
  return s.replace(/[a-z]/g, (c) => c.toUpperCase());
}

/**
 * The token decoded as libjwt 1.10 decodes it with `secret` as the key, or
 * undefined where jwt_decode() fails. `token` is "header.payload.signature"
 * with nonempty header and payload, base64url characters only.
 */
export async function libjwtDecode(token: string, secret: HmacSecret): Promise<Decoded | undefined> {
  const [head, body, signature] = token.split('.') as [string, string, string];
  const header = parseJanssonJson(libjwtBase64Decode(head));
  if (!(header instanceof Map)) return undefined; // an array has no "alg"
  const alg = libjwtAlgorithm(header.get('alg'));
  if (alg === undefined || alg === 'none') return undefined;
  const typ = header.get('typ');
  if (typeof typ === 'string' && asciiFold(typ) !== 'JWT') return undefined;
  const claims = parseJanssonJson(libjwtBase64Decode(body));
  if (claims === undefined) return undefined;
  const hash = HMAC_HASHES.get(alg);
  if (hash === undefined) return undefined; // RS*/ES*: see the top of this file
  const expected = base64UrlEncode(await secret.mac(hash, `${head}.${body}`));
  if (!sameText(expected, signature)) return undefined;
  return { alg, header, claims };
}

// Equality that reads both strings whole (libjwt compares in constant time).
function sameText(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0);
  return diff === 0;
}
