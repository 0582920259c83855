import type { Logger } from '@switchboard/service-kit';
import { sayAndHangupTwiml } from '@switchboard/telephony';
import type { TwilioRest } from '../ports/twilio-rest.ts';
import { type EndReason, errInfo } from './call-types.ts';

/**
 * A call's life and how it ends, decided in one place: whether it is over and why, the timers it owns
 * (all cleared when it ends), and the ways the platform ends a call itself (hang up, apologize,
 * transfer). Parts register what they release at the end with `onEnd`.
 */
export class CallLifecycle {
  readonly startedAtMs = Date.now();
  /** True while the call is being handed to a person: Twilio's stop then means "transferred". */
  transferring = false;
  /** True once the platform has started a polite ending (goodbye, then hang-up). */
  endingPolitely = false;
  private ended = false;
  private reason: EndReason | undefined;
  /** Set when we end the call ourselves, so Twilio's stop that follows keeps this reason. */
  private hangingUp: EndReason | undefined;
  private readonly abort = new AbortController();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly cleanups: Array<() => void> = [];

  constructor(private readonly deps: { twilioRest: TwilioRest; callSid: string; log: Logger }) {}

  get isEnded(): boolean {
    return this.ended;
  }

  /** Why the call ended, once it has. */
  get endReason(): EndReason | undefined {
    return this.reason;
  }

  /** Aborted when the call ends. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  get liveTimers(): number {
    return this.timers.size;
  }

  /** Runs `release` when the call ends (in registration order). */
  onEnd(release: () => void): void {
    this.cleanups.push(release);
  }

  /** A timer the call owns (cleared when the call ends). */
  later(delayMs: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, delayMs);
    this.timers.add(t);
    return t;
  }

  cancel(timer: NodeJS.Timeout | undefined): void {
    if (!timer) return;
    clearTimeout(timer);
    this.timers.delete(timer);
  }

  /** Waits `ms`, or less: the wait ends at once when the call ends. */
  sleep(ms: number): Promise<void> {
    if (this.ended) return Promise.resolve();
    return new Promise((resolve) => {
      const signal = this.abort.signal;
      const done = () => {
        this.cancel(t);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const t = this.later(ms, done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Twilio's stop: the caller hung up, unless the platform was hanging up or transferring. */
  onStop(): void {
    this.deps.log.info(this.transferring ? 'stream stopped for the transfer' : 'stream stopped');
    this.end(this.hangingUp ?? (this.transferring ? 'transferred' : 'caller_hangup'));
  }

  /** The stream's socket closed without a stop. */
  onStreamClosed(): void {
    this.end(this.hangingUp ?? (this.transferring ? 'transferred' : 'stream_closed'));
  }

  /** The platform is ending the call for `reason`: a stop that follows keeps it. */
  claim(reason: EndReason): void {
    this.hangingUp ??= reason;
  }

  /** Hangs up through Twilio, and closes the stream either way. */
  async hangUp(reason: EndReason = 'agent_hangup'): Promise<void> {
    if (this.ended) return;
    this.claim(reason);
    try {
      await this.deps.twilioRest.hangup(this.deps.callSid);
    } catch (err) {
      if (callAlreadyOver(err)) this.deps.log.info('the call was already over when we hung up');
      else this.deps.log.warn({ err: errInfo(err) }, 'REST hang-up failed; closing the stream ends the call');
    }
    this.end(reason);
  }

  /** Twilio says `line` (in its language, when given) and hangs up; the stream closes either way. */
  async apologizeAndEnd(
    reason: EndReason,
    line: string | { text: string; language?: string },
    why = 'could not play the apology',
  ): Promise<void> {
    this.claim(reason);
    const { text, language } = typeof line === 'string' ? { text: line, language: undefined } : line;
    try {
      await this.deps.twilioRest.updateCallTwiml(
        this.deps.callSid,
        sayAndHangupTwiml(text, language ? { language } : {}),
      );
    } catch (err) {
      if (callAlreadyOver(err)) this.deps.log.info('the caller had hung up before the apology');
      else this.deps.log.warn({ err: errInfo(err) }, `${why}; closing the stream`);
    }
    this.end(reason);
  }

  /**
   * Redirects the call to a transfer's TwiML; rejects (and is no transfer) when Twilio refuses. A call
   * Twilio says is no longer in progress (21220: the caller hung up first) is over, not a failure.
   */
  async transfer(twiml: string): Promise<void> {
    this.transferring = true;
    try {
      await this.deps.twilioRest.updateCallTwiml(this.deps.callSid, twiml);
    } catch (err) {
      this.transferring = false;
      if (!callAlreadyOver(err)) throw err;
      this.deps.log.info('the caller hung up before the transfer');
      this.end('caller_hangup');
    }
  }

  /** Ends the call now (idempotent): aborts what runs for it, clears its timers, releases its parts. */
  end(reason: EndReason): void {
    if (this.ended) return;
    this.ended = true;
    this.reason = reason;
    this.abort.abort();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const release of this.cleanups) release();
  }
}

/**
 * Twilio's answer to updating a call that has ended: error 21220 "Call is not in-progress. Cannot
 * redirect." (HTTP 400). The call is already over; nothing failed.
 */
export function callAlreadyOver(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 21220 || code === '21220';
}
