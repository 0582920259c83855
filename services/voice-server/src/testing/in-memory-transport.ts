import { AsyncQueue } from '@switchboard/realtime';
import type { DecodeResult, TwilioInbound } from '@switchboard/telephony';
import type { CallTransport } from '../ports/call-transport.ts';

export type SentFrame =
  | { event: 'media'; payload: string }
  | { event: 'mark'; name: string }
  | { event: 'clear' }
  | { event: 'close'; code: number };

/** CallTransport for unit tests: the test plays Twilio (`media`, `mark`, `stop`) and reads `sent`. */
export class InMemoryCallTransport implements CallTransport {
  readonly inbound = new AsyncQueue<DecodeResult<TwilioInbound>>();
  readonly sent: SentFrame[] = [];
  private open = true;
  private seq = 1;
  private readonly streamSid: string;

  constructor(streamSid = 'MZ00000000000000000000000000000001') {
    this.streamSid = streamSid;
  }

  get isOpen(): boolean {
    return this.open;
  }

  sendMedia(payload: string): void {
    if (this.open) this.sent.push({ event: 'media', payload });
  }

  sendMark(name: string): void {
    if (this.open) this.sent.push({ event: 'mark', name });
  }

  sendMediaWithMark(payload: string, name: string): void {
    this.sendMedia(payload);
    this.sendMark(name);
  }

  sendClear(): void {
    if (this.open) this.sent.push({ event: 'clear' });
  }

  close(code = 1000): void {
    if (!this.open) return;
    this.open = false;
    this.sent.push({ event: 'close', code });
    this.inbound.end();
  }

  /** A caller media frame. */
  media(payload: string, timestamp: number): void {
    const n = this.seq++;
    this.push({
      event: 'media',
      sequenceNumber: n,
      streamSid: this.streamSid,
      media: { track: 'inbound', chunk: n, timestamp, payload },
    } as TwilioInbound);
  }

  /** Twilio echoing a mark. */
  mark(name: string): void {
    this.push({
      event: 'mark',
      sequenceNumber: this.seq++,
      streamSid: this.streamSid,
      mark: { name },
    } as TwilioInbound);
  }

  /** Echoes every mark sent so far that has not been echoed. */
  echoAllMarks(): void {
    for (const f of this.sent) if (f.event === 'mark' && !this.echoed.has(f.name)) this.echo(f.name);
  }

  private readonly echoed = new Set<string>();
  echo(name: string): void {
    this.echoed.add(name);
    this.mark(name);
  }

  dtmf(digit: string): void {
    this.push({
      event: 'dtmf',
      sequenceNumber: this.seq++,
      streamSid: this.streamSid,
      dtmf: { track: 'inbound_track', digit },
    } as TwilioInbound);
  }

  /** A frame that failed to decode. */
  malformed(code: 'not_json' | 'too_large' = 'not_json'): void {
    this.inbound.push({ ok: false, error: { code, message: 'bad frame' } } as DecodeResult<TwilioInbound>);
  }

  stop(): void {
    this.push({
      event: 'stop',
      sequenceNumber: this.seq++,
      streamSid: this.streamSid,
      stop: { accountSid: 'AC0', callSid: 'CA0' },
    } as TwilioInbound);
  }

  /** The peer closes the socket. */
  hangUpSocket(): void {
    this.open = false;
    this.inbound.end();
  }

  frames<E extends SentFrame['event']>(event: E): Extract<SentFrame, { event: E }>[] {
    return this.sent.filter((f) => f.event === event) as Extract<SentFrame, { event: E }>[];
  }

  private push(message: TwilioInbound): void {
    this.inbound.push({ ok: true, message });
  }
}
