import type { EventStream } from '@switchboard/realtime';
import type { DecodeResult, TwilioInbound } from '@switchboard/telephony';

/**
 * The caller's side of a call: Twilio's Media Stream socket in production, an in-memory pair in unit
 * tests. The session manager sees decoded messages only; it never parses JSON or touches a socket.
 */
export interface CallTransport {
  /** Decoded inbound messages (or why a frame could not be decoded), ending when the socket closes. */
  readonly inbound: EventStream<DecodeResult<TwilioInbound>>;
  /** Sends one media frame of base64 mu-law, exactly as given. */
  sendMedia(payloadBase64: string): void;
  sendMark(name: string): void;
  /** A media frame and the mark that follows it, in one write where the transport can. */
  sendMediaWithMark(payloadBase64: string, markName: string): void;
  sendClear(): void;
  /** Closes the stream; Twilio then moves on to the call's next TwiML verb (none: the call ends). */
  close(code?: number, reason?: string): void;
  readonly isOpen: boolean;
}
