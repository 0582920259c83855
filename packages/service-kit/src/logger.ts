import pino, { type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/** Paths pino replaces with "[redacted]" wherever they appear in a log object. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-twilio-signature"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-twilio-signature"]',
  '*.headers.authorization',
  '*.headers["x-twilio-signature"]',
  'authorization',
  '*.authorization',
  'signature',
  '*.signature',
  'serviceToken',
  '*.serviceToken',
  'token',
  'apiKey',
  'secret',
  'password',
  '*.token',
  '*.apiKey',
  '*.secret',
  '*.password',
  '*.authToken',
  // ElevenLabs' key header and field
  'headers["xi-api-key"]',
  '*.headers["xi-api-key"]',
  'xi_api_key',
  '*.xi_api_key',
  'payload',
  '*.payload',
  'audio',
  '*.audio',
];

/** Masks a phone number (E.164 or SIP URI) to its last four digits: "+1******4567". */
export function maskPhone(value: string | null | undefined): string {
  if (!value) return '';
  const sip = /^sips?:([^@]+)@(.+)$/i.exec(value);
  if (sip) return `sip:${maskPhone(sip[1])}@${sip[2]}`;
  const digits = value.replace(/[^\d+]/g, '');
  if (digits.length <= 4) return '*'.repeat(digits.length);
  const plus = digits.startsWith('+') ? '+' : '';
  const body = plus ? digits.slice(1) : digits;
  const keepHead = plus && body.length > 8 ? 1 : 0;
  return `${plus}${body.slice(0, keepHead)}${'*'.repeat(body.length - keepHead - 4)}${body.slice(-4)}`;
}

export interface CreateLoggerOptions {
  name: string;
  level?: string;
  /** Where lines go; default stdout. Tests pass a stream to read them back. */
  destination?: pino.DestinationStream;
}

/** The service's root logger: JSON lines, secrets and audio redacted. */
export function createLogger(opts: CreateLoggerOptions): Logger {
  const options: LoggerOptions = {
    name: opts.name,
    level: opts.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: opts.name },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}
