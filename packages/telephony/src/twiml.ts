import twilio from 'twilio';

const { VoiceResponse } = twilio.twiml;

export interface ConnectStreamOptions {
  /** wss URL of the media stream. */
  url: string;
  /** Sent to the stream in the `start` message's customParameters. */
  parameters?: Record<string, string>;
  statusCallback?: string;
}

/** `<Connect><Stream url>` with `<Parameter>`s: a bidirectional Media Stream. */
export function connectStreamTwiml(opts: ConnectStreamOptions): string {
  const response = new VoiceResponse();
  const stream = response
    .connect()
    .stream({ url: opts.url, ...(opts.statusCallback ? { statusCallback: opts.statusCallback } : {}) });
  for (const [name, value] of Object.entries(opts.parameters ?? {})) stream.parameter({ name, value });
  return response.toString();
}

export interface SayOptions {
  voice?: string;
  language?: string;
}

/** Says `text`, then hangs up. */
export function sayAndHangupTwiml(text: string, opts: SayOptions = {}): string {
  const response = new VoiceResponse();
  response.say(sayAttrs(opts), text);
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
  if (opts.say) response.say(sayAttrs(opts.sayOptions ?? {}), opts.say);
  const dial = response.dial({
    callerId: opts.callerId,
    ...(opts.timeoutSec ? { timeout: opts.timeoutSec } : {}),
  });
  if (opts.number) dial.number(opts.number);
  else dial.sip(opts.sipUri!);
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
  if (opts.voice) attrs.voice = opts.voice;
  if (opts.language) attrs.language = opts.language;
  return attrs;
}
