import type { Logger } from '@switchboard/service-kit';
import type { CallLanguageSpec } from '../language/languages.ts';
import type { CallAiServer, CallProfile } from '../ports/ai-server.ts';
import { type CallLimits, type EndReason, errInfo } from './call-types.ts';
import type { CallLifecycle } from './lifecycle.ts';
import { wrapUpNote } from './lines.ts';
import { InactivityWatchdog, watchdogLine } from './watchdog.ts';

/** Waits before each retry of a failed debit. */
export const DEBIT_RETRY_MS = [1_000, 5_000, 30_000];

export interface CallLimiterDeps {
  limits: CallLimits;
  lifecycle: CallLifecycle;
  log: Logger;
  /** True while something counts as activity by itself (a tool, a response, audio playing, speech). */
  isBusy: () => boolean;
  /** Has the model say one of the platform's lines. */
  say: (line: string) => void;
  /** A note the model reads with its next turn. */
  note: (text: string) => void;
  endPolitely: (reason: EndReason) => void;
  /**
   * Seconds of credit the call has left once `elapsedSec` have passed (0 or less: none; Infinity: no
   * limit); throws when unknown.
   */
  creditLeft: (elapsedSec: number) => Promise<number>;
  /** The call's language now: the still-there prompt and the wrap-up are in it. */
  language?: () => CallLanguageSpec | undefined;
}

/**
 * The limits of one call: the inactivity watchdog, the maximum duration (a wrap-up note a minute
 * before, then a polite end), and the brand's credits (checked every minute; once they will run out
 * before the next check, the same wrap-up a minute before they do, then a polite end when they do).
 */
export class CallLimiter {
  private watchdog: InactivityWatchdog | undefined;
  /** The wrap-up note has been given (once a call, whichever limit comes first). */
  private wrappedUp = false;

  constructor(private readonly deps: CallLimiterDeps) {}

  /** Starts the clocks once the model is connected. */
  start(profile: CallProfile): void {
    const { limits, lifecycle } = this.deps;
    const capMs = profile.maxDurationSec
      ? Math.min(profile.maxDurationSec * 1000, limits.maxProfileCallMs)
      : limits.maxCallMs;
    const elapsed = Date.now() - lifecycle.startedAtMs;
    // A model that connects at the wrap-up moment itself still gets the note (at once).
    if (capMs - limits.wrapUpBeforeMs >= elapsed)
      lifecycle.later(capMs - limits.wrapUpBeforeMs - elapsed, () => this.wrapUp());
    lifecycle.later(Math.max(0, capMs - elapsed), () => this.deps.endPolitely('max_duration'));
    this.checkCreditsEvery(limits.creditCheckEveryMs);
    const promptAfterMs = (profile.inactivity?.promptAfterSec ?? 0) * 1000 || limits.promptAfterSilenceMs;
    const endAfterMs = (profile.inactivity?.endAfterSec ?? 0) * 1000 || limits.endAfterSilenceMs;
    this.watchdog = new InactivityWatchdog({
      promptAfterMs,
      endAfterMs,
      isBusy: this.deps.isBusy,
      onPrompt: () => {
        this.deps.log.info('caller silent; asking whether they are still there');
        this.deps.say(watchdogLine('stillThere', this.deps.language?.() ?? profile.language));
      },
      onEnd: () => this.deps.endPolitely('inactivity'),
    });
    this.watchdog.start();
  }

  private checkCreditsEvery(everyMs: number): void {
    const { lifecycle, log, limits } = this.deps;
    lifecycle.later(everyMs, () => {
      const elapsedSec = Math.ceil((Date.now() - lifecycle.startedAtMs) / 1000);
      this.deps.creditLeft(elapsedSec).then(
        (leftSec) => {
          if (lifecycle.isEnded) return;
          if (leftSec <= 0) {
            log.info({ elapsedSec }, 'credits ran out during the call; ending it politely');
            this.deps.endPolitely('no_credits');
            return;
          }
          const leftMs = leftSec * 1000;
          if (leftMs >= limits.wrapUpBeforeMs + everyMs) {
            this.checkCreditsEvery(everyMs);
            return;
          }
          // They run out before the next check would see it: wrap up ahead, end when they do.
          log.info({ elapsedSec, leftSec }, 'credits run out soon; wrapping up the call');
          lifecycle.later(Math.max(0, leftMs - limits.wrapUpBeforeMs), () => this.wrapUp());
          lifecycle.later(leftMs, () => {
            log.info({ leftSec }, 'credits ran out during the call; ending it politely');
            this.deps.endPolitely('no_credits');
          });
        },
        (err) => {
          // ai-server unreachable: an outage never ends a call; check again later.
          log.warn({ err: errInfo(err) }, 'credit check failed; will check again');
          if (!lifecycle.isEnded) this.checkCreditsEvery(everyMs);
        },
      );
    });
  }

  /** Tells the model to wrap up (once a call). */
  private wrapUp(): void {
    if (this.wrappedUp) return;
    this.wrappedUp = true;
    this.deps.note(wrapUpNote(this.deps.language?.()));
  }

  /** Agent audio played or went out. */
  activity(): void {
    this.watchdog?.activity();
  }

  /** The caller spoke. */
  callerActivity(): void {
    this.watchdog?.callerActivity();
  }

  stop(): void {
    this.watchdog?.stop();
  }

  get liveTimers(): number {
    return this.watchdog?.hasTimer ? 1 : 0;
  }
}

/**
 * Reports the call's duration (whole seconds, rounded up) to ai-server, which debits once per call SID;
 * retried a few times in the background.
 */
export function debitCall(
  aiServer: CallAiServer,
  q: { botProfileKey: string; callSid: string; durationSec: number },
  log: Logger,
): void {
  const attempt = (n: number): void => {
    aiServer
      .debitCall(q.botProfileKey, { callSid: q.callSid, durationSec: Math.ceil(q.durationSec) })
      .catch((err) => {
        const wait = DEBIT_RETRY_MS[n];
        if (wait === undefined) {
          log.error(
            { err: errInfo(err), durationSec: q.durationSec },
            'could not debit the call; credits not charged',
          );
          return;
        }
        setTimeout(() => attempt(n + 1), wait).unref();
      });
  };
  attempt(0);
}
