import twilio from 'twilio';

const { VoiceResponse } = twilio.twiml;

/** Characters XML 1.0 cannot carry, even escaped (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/F). */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/**
 * Drops what XML cannot represent, so text from callers, headers or a model never makes the builder
 * throw mid-call; Twilio could not have received those characters anyway.
 */
const xmlSafe = (s: string) => s.replace(NOT_XML_CHAR, '');

export interface ConnectStreamOptions {
  /** wss URL of the media stream. */
  url: string;
  /** Sent to the stream in the `start` message's customParameters. */
  parameters?: Record<string, string>;
  statusCallback?: string;
  /** Said by Twilio before the stream opens (e.g. a recording consent notice). */
  sayFirst?: { text: string } & SayOptions;
  /**
   * `<Start><Recording>` first, so the recording holds everything after it, `sayFirst` included;
   * its status callback is sent for `completed` and `absent`.
   */
  startRecording?: { statusCallback: string; channels: 'dual' | 'mono' };
}

/**
 * `<Connect><Stream url>` with `<Parameter>`s: a bidirectional Media Stream. Characters XML cannot carry
 * are dropped from every value.
 */
export function connectStreamTwiml(opts: ConnectStreamOptions): string {
  const response = new VoiceResponse();
  if (opts.startRecording)
    response.start().recording({
      channels: opts.startRecording.channels,
      recordingStatusCallback: xmlSafe(opts.startRecording.statusCallback),
      recordingStatusCallbackEvent: ['completed', 'absent'],
    });
  if (opts.sayFirst) response.say(sayAttrs(opts.sayFirst), xmlSafe(opts.sayFirst.text));
  const stream = response.connect().stream({
    url: xmlSafe(opts.url),
    ...(opts.statusCallback ? { statusCallback: xmlSafe(opts.statusCallback) } : {}),
  });
  for (const [name, value] of Object.entries(opts.parameters ?? {}))
    stream.parameter({ name: xmlSafe(name), value: xmlSafe(value) });
  return response.toString();
}

export interface SayOptions {
  voice?: string;
  language?: string;
}

/** Says `text`, then hangs up. */
export function sayAndHangupTwiml(text: string, opts: SayOptions = {}): string {
  const response = new VoiceResponse();
  response.say(sayAttrs(opts), xmlSafe(text));
  response.hangup();
  return response.toString();
}

export interface DialOptions {
  /** E.164 number to dial; or `sipUri`. */
  number?: string;
  sipUri?: string;
  callerId: string;
  timeoutSec?: number;
  /** Said before dialling. */
  say?: string;
  sayOptions?: SayOptions;
}

/** Transfers the call: optional `<Say>`, then `<Dial callerId>` to a number or SIP URI. */
export function dialTwiml(opts: DialOptions): string {
  if (!opts.number === !opts.sipUri) throw new Error('dialTwiml needs exactly one of number or sipUri');
  const response = new VoiceResponse();
  if (opts.say) response.say(sayAttrs(opts.sayOptions ?? {}), xmlSafe(opts.say));
  const dial = response.dial({
    callerId: xmlSafe(opts.callerId),
    ...(opts.timeoutSec ? { timeout: opts.timeoutSec } : {}),
  });
  if (opts.number) dial.number(xmlSafe(opts.number));
  else dial.sip(xmlSafe(opts.sipUri!));
  return response.toString();
}

/** Ends the call. */
export function hangupTwiml(): string {
  const response = new VoiceResponse();
  response.hangup();
  return response.toString();
}

function sayAttrs(opts: SayOptions): Record<string, string> {
  const attrs: Record<string, string> = {};
  if (opts.voice) attrs.voice = xmlSafe(opts.voice);
  if (opts.language) attrs.language = xmlSafe(opts.language);
  return attrs;
}
