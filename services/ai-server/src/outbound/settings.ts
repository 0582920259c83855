import type { CallingWindow } from './calling-hours.ts';
import type { OutboundDialer } from './dialer.ts';

/** How outbound calls are run, from configuration. */
export interface OutboundSettings {
  /** Unset: the API answers 503 (no voice-server to place calls through). */
  dialer?: OutboundDialer;
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
