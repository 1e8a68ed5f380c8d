// Byte strings and the codecs the edge's rule reads them with. A byte string
// holds one byte per character (U+0000..U+00FF), which is what fetch's
// Headers.get() returns and what a URL's percent-encoded path and query
// decode to here, so that every comparison is the C++ edge's byte comparison.
// Pure functions.

const HEX = '0123456789abcdef';
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** `s` as a byte string: unchanged when every character is a byte, else its UTF-8 bytes. */
export function toByteString(s: string): string {
  if (!/[^\x00-\xff]/.test(s)) return s;
  return fromBytes(new TextEncoder().encode(s));
}

export function fromBytes(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += String.fromCharCode(b);
  return out;
}

export function toBytes(byteString: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(byteString.length);
  for (let i = 0; i < byteString.length; i++) out[i] = byteString.charCodeAt(i) & 0xff;
  return out;
}

/** A-Z lowered, nothing else (the C locale's tolower). */
export function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

/** `s` without leading and trailing spaces and tabs (common/ascii.h Trim). */
export function trim(s: string): string {
  return s.replace(/^[ \t]+/, '').replace(/[ \t]+$/, '');
}

function hexValue(c: string | undefined): number {
  return c === undefined ? -1 : HEX.indexOf(c.toLowerCase());
}

// %XX escapes decoded; '+' stays '+'. A bad escape fails (strict: null) or is kept.
function decode(s: string, strict: boolean): string | null {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '%') {
      out += s[i];
      continue;
    }
    const hi = i + 2 < s.length ? hexValue(s[i + 1]) : -1;
    const lo = hi >= 0 ? hexValue(s[i + 2]) : -1;
    if (lo < 0) {
      if (strict) return null;
      out += '%';
      continue;
    }
    out += String.fromCharCode(hi * 16 + lo);
    i += 2;
  }
  return out;
}

/** Percent-decoding of a byte string; null on a '%' not followed by two hex digits. */
export function percentDecode(s: string): string | null {
  return decode(s, true);
}

/** The same, but a bad escape stays as it is ("%zz" stays "%zz"). */
export function percentDecodeLenient(s: string): string {
  return decode(s, false) as string;
}

export function isBase64UrlText(s: string): boolean {
  return /^[A-Za-z0-9_-]*$/.test(s);
}

/** base64url without padding. */
export function base64UrlEncode(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += BASE64URL[n >> 18]! + BASE64URL[(n >> 12) & 63]! + BASE64URL[(n >> 6) & 63]! + BASE64URL[n & 63]!;
  }
  if (i + 1 === bytes.length) {
    const n = bytes[i]! << 16;
    out += BASE64URL[n >> 18]! + BASE64URL[(n >> 12) & 63]!;
  } else if (i + 2 === bytes.length) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += BASE64URL[n >> 18]! + BASE64URL[(n >> 12) & 63]! + BASE64URL[(n >> 6) & 63]!;
  }
  return out;
}

/**
 * base64url text (already checked to hold only base64url characters) decoded
 * the way libjwt 1.10 does it: a lone trailing character is ignored and the
 * unused low bits of the last character are dropped, never checked.
 */
export function libjwtBase64Decode(text: string): Uint8Array<ArrayBuffer> {
  const six = (i: number): number => BASE64URL.indexOf(text[i]!);
  const out: number[] = [];
  let i = 0;
  for (; i + 4 <= text.length; i += 4) {
    const n = (six(i) << 18) | (six(i + 1) << 12) | (six(i + 2) << 6) | six(i + 3);
    out.push(n >> 16, (n >> 8) & 0xff, n & 0xff);
  }
  const rest = text.length - i;
  if (rest >= 2) out.push(((six(i) << 2) | (six(i + 1) >> 4)) & 0xff);
  if (rest >= 3) out.push(((six(i + 1) << 4) | (six(i + 2) >> 2)) & 0xff);
  return Uint8Array.from(out);
}
