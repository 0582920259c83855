/**
 * A small, dependency-free TwiML reader for the Twilio simulator: parses the XML a voice webhook returns
 * into the verbs Twilio would execute, in order. Malformed input raises a `TwimlParseError`.
 */

/** `<Connect><Stream url>` with its `<Parameter>`s. */
export interface TwimlConnect {
  verb: 'Connect';
  stream: { url: string; parameters: Record<string, string>; statusCallback?: string };
}
/** `<Say>`: `text` is the spoken text with markup (SSML) flattened away. */
export interface TwimlSay {
  verb: 'Say';
  text: string;
  voice?: string;
  language?: string;
}
/** `<Dial>` to a `<Number>` (or bare text) or a `<Sip>` URI. */
export interface TwimlDial {
  verb: 'Dial';
  callerId?: string;
  /** Seconds to ring before giving up. */
  timeout?: number;
  number?: string;
  sip?: string;
  action?: string;
}
export interface TwimlHangup {
  verb: 'Hangup';
}
export interface TwimlPause {
  verb: 'Pause';
  /** Seconds; Twilio's default is 1 when absent. */
  length?: number;
}
export interface TwimlRedirect {
  verb: 'Redirect';
  url: string;
  method?: string;
}
/**
 * `<Start><Recording>`: Twilio starts recording the call before it runs the next verb. The attributes
 * as written (channels, track, recordingStatusCallback, recordingStatusCallbackEvent, ...).
 */
export interface TwimlStartRecording {
  verb: 'Start';
  recording: Record<string, string>;
}
/** A real Twilio verb this reader does not model (Play, Gather, Reject, ...): kept so callers can see it. */
export interface TwimlOther {
  verb: 'Other';
  name: string;
  attributes: Record<string, string>;
}

/** One instruction of a TwiML `<Response>`. */
export type TwimlVerb =
  | TwimlConnect
  | TwimlSay
  | TwimlDial
  | TwimlHangup
  | TwimlPause
  | TwimlRedirect
  | TwimlStartRecording
  | TwimlOther;

/** Stable codes of `TwimlParseError`. */
export type TwimlParseErrorCode =
  | 'bad_input'
  | 'too_large'
  | 'malformed_xml'
  | 'too_deep'
  | 'no_response'
  | 'unknown_verb'
  | 'invalid_verb';

/** Raised by `parseTwiml` for anything that is not a well-formed TwiML `<Response>`. */
export class TwimlParseError extends Error {
  override readonly name = 'TwimlParseError';
  constructor(
    readonly code: TwimlParseErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Largest document accepted, in UTF-16 code units (webhook replies are a few hundred bytes). */
export const MAX_TWIML_LENGTH = 1024 * 1024;
const MAX_DEPTH = 64;

/** Twilio's voice verbs that are valid but not modelled in detail here. */
const OTHER_VERBS = new Set([
  'Play',
  'Gather',
  'Record',
  'Reject',
  'Enqueue',
  'Leave',
  'Refer',
  'Start',
  'Stop',
  'Pay',
  'Prompt',
  'Sms',
  'Echo',
  'Queue',
]);

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
}
type XmlNode = XmlElement | string;

const NAME = /[A-Za-z_:][\w.:-]*/y;
/** Characters outside XML 1.0's Char production (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/F). */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const SPACE = /[ \t\r\n]*/y;
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

/** A recursive-descent-free XML reader (an explicit stack) so deep nesting cannot overflow the JS stack. */
class XmlReader {
  pos = 0;
  constructor(private readonly src: string) {}

  fail(what: string): never {
    // Names from the document appear in `what`; cap it so a hostile document cannot flood the logs.
    const brief = what.length > 160 ? `${what.slice(0, 160)}...` : what;
    throw new TwimlParseError('malformed_xml', `${brief} at offset ${this.pos}`);
  }

  startsWith(s: string): boolean {
    return this.src.startsWith(s, this.pos);
  }

  skipSpace(): void {
    SPACE.lastIndex = this.pos;
    SPACE.exec(this.src);
    this.pos = SPACE.lastIndex;
  }

  name(): string {
    NAME.lastIndex = this.pos;
    const m = NAME.exec(this.src);
    if (!m) this.fail('expected a name');
    this.pos = NAME.lastIndex;
    return m[0];
  }

  /** Skips `<!-- -->`, `<? ?>`; returns false when the next thing is neither. */
  skipMisc(): boolean {
    if (this.startsWith('<!--')) {
      const close = this.src.indexOf('-->', this.pos + 4);
      if (close < 0) this.fail('unterminated comment');
      this.pos = close + 3;
      return true;
    }
    if (this.startsWith('<?')) {
      const close = this.src.indexOf('?>', this.pos + 2);
      if (close < 0) this.fail('unterminated processing instruction');
      this.pos = close + 2;
      return true;
    }
    if (this.startsWith('<!DOCTYPE') || this.startsWith('<!doctype'))
      // DTDs would allow entity expansion; TwiML never needs one.
      this.fail('DOCTYPE is not allowed');
    return false;
  }

  decode(raw: string, inAttribute: boolean): string {
    let out = '';
    let last = 0;
    for (let i = 0; i < raw.length; i++) {
      const c = raw.charCodeAt(i);
      if (c === 0x3c) this.fail(inAttribute ? "'<' in an attribute value" : "'<' in text");
      if (inAttribute && (c === 0x9 || c === 0xa || c === 0xd)) {
        // XML attribute-value normalisation: literal whitespace characters become spaces.
        out += raw.slice(last, i) + ' ';
        last = i + 1;
        continue;
      }
      if (c !== 0x26) continue;
      const semi = raw.indexOf(';', i + 1);
      if (semi < 0 || semi - i > 12) this.fail("'&' that does not start an entity");
      const ref = raw.slice(i + 1, semi);
      let value: string;
      if (ref.startsWith('#')) {
        const digits = ref.startsWith('#x') ? ref.slice(2) : ref.slice(1);
        const valid = ref.startsWith('#x') ? /^[0-9A-Fa-f]{1,6}$/ : /^[0-9]{1,7}$/;
        if (!valid.test(digits)) this.fail(`bad character reference &${ref};`);
        const cp = Number.parseInt(digits, ref.startsWith('#x') ? 16 : 10);
        if (!isXmlChar(cp)) this.fail(`character reference &${ref}; is not an XML character`);
        value = String.fromCodePoint(cp);
      } else {
        if (!Object.hasOwn(PREDEFINED, ref)) this.fail(`unknown entity &${ref};`);
        value = PREDEFINED[ref]!;
      }
      out += raw.slice(last, i) + value;
      i = semi;
      last = semi + 1;
    }
    return out + raw.slice(last);
  }

  attributes(): Record<string, string> {
    const attrs: Record<string, string> = Object.create(null);
    for (;;) {
      const before = this.pos;
      this.skipSpace();
      if (this.startsWith('/>') || this.startsWith('>')) return attrs;
      if (this.pos === before) this.fail('expected whitespace before an attribute');
      const key = this.name();
      this.skipSpace();
      if (this.src[this.pos] !== '=') this.fail(`expected '=' after attribute ${key}`);
      this.pos++;
      this.skipSpace();
      const quote = this.src[this.pos];
      if (quote !== '"' && quote !== "'") this.fail(`attribute ${key} value is not quoted`);
      const close = this.src.indexOf(quote, this.pos + 1);
      if (close < 0) this.fail(`unterminated value of attribute ${key}`);
      if (Object.hasOwn(attrs, key)) this.fail(`duplicate attribute ${key}`);
      attrs[key] = this.decode(this.src.slice(this.pos + 1, close), true);
      this.pos = close + 1;
    }
  }

  /** Reads the prolog, one root element and the trailing misc. */
  document(): XmlElement {
    if (this.src.charCodeAt(0) === 0xfeff) this.pos = 1;
    for (;;) {
      this.skipSpace();
      if (!this.skipMisc()) break;
    }
    if (this.src[this.pos] !== '<') this.fail('expected the root element');
    const root = this.element();
    for (;;) {
      this.skipSpace();
      if (this.pos >= this.src.length) return root;
      if (!this.skipMisc()) this.fail('content after the root element');
    }
  }

  element(): XmlElement {
    const stack: XmlElement[] = [];
    let root: XmlElement | undefined;
    for (;;) {
      const top = stack[stack.length - 1];
      if (!top) {
        // Open the root.
        root = this.openTag(stack);
        if (stack.length === 0) return root;
        continue;
      }
      const lt = this.src.indexOf('<', this.pos);
      if (lt < 0) this.fail(`unclosed element <${top.name}>`);
      if (lt > this.pos) {
        const raw = this.src.slice(this.pos, lt);
        if (raw.includes(']]>')) this.fail("']]>' in text");
        top.children.push(this.decode(raw, false));
        this.pos = lt;
      }
      if (this.startsWith('</')) {
        const tagAt = this.pos;
        this.pos += 2;
        const closing = this.name();
        this.skipSpace();
        if (this.src[this.pos] !== '>') this.fail(`expected '>' to close </${closing}>`);
        if (closing !== top.name) {
          this.pos = tagAt;
          this.fail(`</${closing}> does not match <${top.name}>`);
        }
        this.pos++;
        stack.pop();
        if (stack.length === 0) return root!;
      } else if (this.startsWith('<![CDATA[')) {
        const close = this.src.indexOf(']]>', this.pos + 9);
        if (close < 0) this.fail('unterminated CDATA section');
        top.children.push(this.src.slice(this.pos + 9, close));
        this.pos = close + 3;
      } else if (!this.skipMisc()) {
        top.children.push(this.openTag(stack));
      }
    }
  }

  /** Reads `<name attrs>` or `<name attrs/>`; pushes it on the stack unless self-closing. */
  openTag(stack: XmlElement[]): XmlElement {
    if (this.src[this.pos] !== '<') this.fail("expected '<'");
    this.pos++;
    const el: XmlElement = { name: this.name(), attrs: this.attributes(), children: [] };
    if (this.startsWith('/>')) {
      this.pos += 2;
    } else {
      this.pos++;
      if (stack.length >= MAX_DEPTH)
        throw new TwimlParseError('too_deep', `elements nest deeper than ${MAX_DEPTH}`);
      stack.push(el);
    }
    return el;
  }
}

function textOf(el: XmlElement): string {
  let out = '';
  for (const child of el.children) out += typeof child === 'string' ? child : textOf(child);
  return out;
}

function childElements(el: XmlElement): XmlElement[] {
  return el.children.filter((c): c is XmlElement => typeof c !== 'string');
}

/** A copy with an ordinary prototype whose keys are all own data properties (`__proto__` included). */
function plainRecord(map: Record<string, string>): Record<string, string> {
  return { ...map };
}

function seconds(el: XmlElement, attr: string): number | undefined {
  if (!Object.hasOwn(el.attrs, attr)) return undefined;
  const raw = el.attrs[attr]!.trim();
  if (!/^\d{1,9}$/.test(raw))
    throw new TwimlParseError('invalid_verb', `<${el.name}> ${attr} must be a whole number of seconds`);
  return Number(raw);
}

/** Drops keys whose value is undefined, so absent attributes stay absent rather than `undefined`. */
function compact<T extends object>(o: T): T {
  for (const key of Object.keys(o) as (keyof T)[]) if (o[key] === undefined) delete o[key];
  return o;
}

function connectVerb(el: XmlElement): TwimlConnect {
  const stream = childElements(el).find((c) => c.name === 'Stream');
  if (!stream) throw new TwimlParseError('invalid_verb', '<Connect> has no <Stream>');
  const url = stream.attrs.url;
  if (!url) throw new TwimlParseError('invalid_verb', '<Stream> has no url');
  const parameters: Record<string, string> = Object.create(null);
  for (const p of childElements(stream)) {
    if (p.name !== 'Parameter') continue;
    const name = p.attrs.name;
    if (name === undefined) throw new TwimlParseError('invalid_verb', '<Parameter> has no name');
    parameters[name] = p.attrs.value ?? '';
  }
  return {
    verb: 'Connect',
    stream: compact({
      url,
      parameters: plainRecord(parameters),
      statusCallback: stream.attrs.statusCallback,
    }),
  };
}

function dialVerb(el: XmlElement): TwimlDial {
  const children = childElements(el);
  const numberEl = children.find((c) => c.name === 'Number');
  const sipEl = children.find((c) => c.name === 'Sip');
  const bare = children.length === 0 ? textOf(el).trim() : '';
  const number = numberEl ? textOf(numberEl).trim() : bare || undefined;
  const sip = sipEl ? textOf(sipEl).trim() : undefined;
  return compact<TwimlDial>({
    verb: 'Dial',
    callerId: el.attrs.callerId,
    timeout: seconds(el, 'timeout'),
    number,
    sip,
    action: el.attrs.action,
  });
}

function toVerb(el: XmlElement): TwimlVerb {
  switch (el.name) {
    case 'Connect':
      return connectVerb(el);
    case 'Say':
      return compact<TwimlSay>({
        verb: 'Say',
        text: textOf(el),
        voice: el.attrs.voice,
        language: el.attrs.language,
      });
    case 'Dial':
      return dialVerb(el);
    case 'Hangup':
      return { verb: 'Hangup' };
    case 'Pause':
      return compact<TwimlPause>({ verb: 'Pause', length: seconds(el, 'length') });
    case 'Redirect': {
      const url = textOf(el).trim();
      if (!url) throw new TwimlParseError('invalid_verb', '<Redirect> has no URL');
      return compact<TwimlRedirect>({ verb: 'Redirect', url, method: el.attrs.method });
    }
    case 'Start': {
      // Only <Recording> is modelled; <Start><Stream> and <Siprec> stay Other.
      const recording = childElements(el).find((c) => c.name === 'Recording');
      if (recording) return { verb: 'Start', recording: plainRecord(recording.attrs) };
      return { verb: 'Other', name: el.name, attributes: plainRecord(el.attrs) };
    }
    default:
      if (OTHER_VERBS.has(el.name))
        return { verb: 'Other', name: el.name, attributes: plainRecord(el.attrs) };
      throw new TwimlParseError('unknown_verb', `<${el.name.slice(0, 64)}> is not a TwiML voice verb`);
  }
}

/** Parses a TwiML document into its verbs, in order. Throws `TwimlParseError` and nothing else. */
export function parseTwiml(xml: string): TwimlVerb[] {
  if (typeof xml !== 'string') throw new TwimlParseError('bad_input', 'TwiML must be a string');
  if (xml.length > MAX_TWIML_LENGTH)
    throw new TwimlParseError('too_large', `TwiML is longer than ${MAX_TWIML_LENGTH} characters`);
  const forbidden = NOT_XML_CHAR.exec(xml);
  if (forbidden)
    // Twilio refuses such a document outright (a parse failure), so the simulator must too.
    throw new TwimlParseError('malformed_xml', `character not allowed in XML at offset ${forbidden.index}`);
  const root = new XmlReader(xml).document();
  if (root.name !== 'Response')
    throw new TwimlParseError('no_response', `root element is <${root.name.slice(0, 64)}>, not <Response>`);
  for (const child of root.children)
    if (typeof child === 'string' && child.trim() !== '')
      throw new TwimlParseError('invalid_verb', '<Response> contains text outside a verb');
  return childElements(root).map(toVerb);
}
