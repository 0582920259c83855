import type { CallingWindow } from './calling-hours.ts';
import type { OutboundDialer } from './dialer.ts';

/** How outcome webhook events are tried. */
export interface WebhookDeliverySettings {
  /** Tries in all, the first included. */
  maxAttempts: number;
  /** Wait after the first failed try; doubled after each further one. */
  backoffMs: number;
  /** Longest a try may take (connect, answer, body). */
  timeoutMs: number;
  /** How often due tries are looked for. */
  pollMs: number;
  /** Wait between a call's final status and the first try. */
  settleMs: number;
}

/** How outbound calls are run, from configuration. */
export interface OutboundSettings {
  /** Unset: the API answers 503 (no voice-server to place calls through). */
  dialer?: OutboundDialer;
  /** Calls one brand may place in any 60 seconds (counted in the database, across replicas). */
  maxCallsPerMinute: number;
  /** How outcome webhooks are tried (defaults: 8 tries, 10 min doubling, 10 s each). */
  webhookDelivery?: Partial<WebhookDeliverySettings>;
  /** Calls of one brand that may be under way at once. */
  maxConcurrentPerBrand: number;
  /** Local hours a callee may be called in. */
  callingWindow: CallingWindow;
  /** Ring time before no-answer, seconds. */
  ringTimeoutSec: number;
  /** Base of the staff UI's conversation links (`…/conversations/by-call/<CallSid>`); unset: none. */
  conversationsUrl?: string;
  /** How often due retries (busy / no-answer, per the profile's outboundRetry) are looked for. */
  retryPollMs?: number;
}
