// JSON read the way the C++ edge reads a token's header and claims: libjwt
// 1.10 hands the decoded bytes to jansson 2.14 as a C string, so the text ends
// at the first NUL byte, and jansson (flags 0) is stricter than JSON.parse: the
// top level must be an object or an array, strings must not hold U+0000 or an
// unpaired surrogate escape, integers must fit in 64 bits, reals must not
// overflow, and nesting stops at depth 2048. A repeated key keeps its last
// value. Pure functions.

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export type JsonObject = Map<string, JsonValue>;

const MAX_DEPTH = 2048; // jansson's JSON_PARSER_MAX_DEPTH
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const NUMBER = /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
const WORD = /[A-Za-z]+/y;
const LITERALS = new Map<string, JsonValue>([
  ['true', true],
  ['false', false],
  ['null', null],
]);
const ESCAPES = new Map(
  Object.entries({ '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }),
);

class Invalid extends Error {}

/** The JSON value in `bytes` as jansson would read it, or undefined where jansson refuses it. */
export function parseJanssonJson(bytes: Uint8Array): JsonValue | undefined {
  const nul = bytes.indexOf(0);
  let text: string;
  try {
    // fatal: invalid UTF-8 is refused, as jansson refuses it; ignoreBOM: a BOM stays and is refused.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(nul < 0 ? bytes : bytes.subarray(0, nul));
  } catch {
    return undefined;
  }
  try {
    return new Parser(text).document();
  } catch (e) {
    if (e instanceof Invalid) return undefined;
    throw e;
  }
}

class Parser {
  private pos = 0;
  private depth = 0;

  constructor(private readonly text: string) {}

  document(): JsonValue {
    this.skipSpace();
    const first = this.text[this.pos];
    if (first !== '{' && first !== '[') throw new Invalid();
    const value = this.value();
    this.skipSpace();
    if (this.pos !== this.text.length) throw new Invalid();
    return value;
  }

  private value(): JsonValue {
    if (++this.depth > MAX_DEPTH) throw new Invalid();
    this.skipSpace();
    const c = this.text[this.pos];
    let value: JsonValue;
    if (c === '{') value = this.object();
    else if (c === '[') value = this.array();
    else if (c === '"') value = this.string();
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) value = this.number();
    else value = this.word();
    this.depth--;
    return value;
  }

  private object(): JsonObject {
    const out: JsonObject = new Map();
    this.pos++; // '{'
    if (this.peekToken() === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      if (this.peekToken() !== '"') throw new Invalid();
      const key = this.string();
      if (this.peekToken() !== ':') throw new Invalid();
      this.pos++;
      out.set(key, this.value());
      const next = this.peekToken();
      this.pos++;
      if (next === '}') return out;
      if (next !== ',') throw new Invalid();
    }
  }

  private array(): JsonValue[] {
    const out: JsonValue[] = [];
    this.pos++; // '['
    if (this.peekToken() === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value());
      const next = this.peekToken();
      this.pos++;
      if (next === ']') return out;
      if (next !== ',') throw new Invalid();
    }
  }

  // A string token: no raw control characters, only JSON's escapes, surrogate
  // escapes in pairs, and no U+0000 in the result.
  private string(): string {
    let out = '';
    this.pos++; // '"'
    for (;;) {
      const c = this.text[this.pos++];
      if (c === undefined || c < ' ') throw new Invalid();
      if (c === '"') break;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.text[this.pos++];
      const simple = e === undefined ? undefined : ESCAPES.get(e);
      if (simple !== undefined) {
        out += simple;
        continue;
      }
      if (e !== 'u') throw new Invalid();
      out += this.unicodeEscape();
    }
    if (out.includes('\0')) throw new Invalid();
    return out;
  }

  // After "\u": one code point, from one escape or a surrogate pair of two.
  private unicodeEscape(): string {
    const high = this.hex4();
    if (high >= 0xdc00 && high <= 0xdfff) throw new Invalid();
    if (high < 0xd800 || high > 0xdbff) return String.fromCharCode(high);
    if (this.text.slice(this.pos, this.pos + 2) !== '\\u') throw new Invalid();
    this.pos += 2;
    const low = this.hex4();
    if (low < 0xdc00 || low > 0xdfff) throw new Invalid();
    return String.fromCharCode(high, low);
  }

  private hex4(): number {
    const digits = this.text.slice(this.pos, this.pos + 4);
    if (!/^[0-9A-Fa-f]{4}$/.test(digits)) throw new Invalid();
    this.pos += 4;
    return parseInt(digits, 16);
  }

  // JSON's number grammar; an integer (no '.', no exponent) must fit in an
  // int64 (strtoll), a real must not overflow (strtod to HUGE_VAL).
  private number(): number {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (m === null) throw new Invalid();
    const literal = m[0];
    const next = this.text[this.pos + literal.length];
    // "01", "1.", "1e": jansson refuses the whole token.
    if (next !== undefined && /[0-9.eE]/.test(next)) throw new Invalid();
    this.pos += literal.length;
    if (m[2] === undefined && m[3] === undefined) {
      const n = BigInt(literal);
      if (n < INT64_MIN || n > INT64_MAX) throw new Invalid();
      return Number(literal);
    }
    const value = Number(literal);
    if (!Number.isFinite(value)) throw new Invalid();
    return value;
  }

  // jansson reads a run of ASCII letters and takes it only when it is a literal.
  private word(): JsonValue {
    WORD.lastIndex = this.pos;
    const m = WORD.exec(this.text);
    const literal = m === null ? undefined : LITERALS.get(m[0]);
    if (m === null || literal === undefined) throw new Invalid();
    this.pos += m[0].length;
    return literal;
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && ' \t\n\r'.includes(this.text[this.pos]!)) this.pos++;
  }

  private peekToken(): string | undefined {
    this.skipSpace();
    return this.text[this.pos];
  }
}
