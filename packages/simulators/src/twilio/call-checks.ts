/**
 * What Twilio refuses while it runs a call's TwiML, with the errors it logs: a `<Dial>` it will not
 * place (caller ID, number; see twilio-rules.ts) and a `<Stream>` url it will not open. Refusals go to
 * the call's notifications and, when there is one, the REST fake's (Twilio's Notifications resource).
 */
import type { TwimlDial } from '@switchboard/telephony';
import type { CallNotification, DialAttempt } from './call-types.ts';
import type { TwilioRestFake } from './rest-fake.ts';
import {
  type AccountNumbers,
  dialProblem,
  streamUrlProblem,
  type TwilioNotificationCode,
} from './twilio-rules.ts';

/** What the checks need from their call. */
export interface CallCheckContext {
  readonly callSid: string;
  readonly from: string;
  readonly to: string;
  readonly accountNumbers: AccountNumbers | undefined;
  readonly restFake: TwilioRestFake | undefined;
  nowMs(): number;
  notify(): void;
}

/** One call's dials and the errors Twilio logged for it. */
export class CallChecks {
  /** Dials Twilio placed. */
  readonly dialed: TwimlDial[] = [];
  /** Every `<Dial>` run, placed or refused. */
  readonly dialAttempts: DialAttempt[] = [];
  /** Errors Twilio logged for the call. */
  readonly notifications: CallNotification[] = [];
  private readonly ctx: CallCheckContext;

  constructor(ctx: CallCheckContext) {
    this.ctx = ctx;
  }

  /** Places a `<Dial>` unless Twilio would refuse it; returns the refusal (logged) or null. */
  dial(verb: TwimlDial): TwilioNotificationCode | null {
    const { ctx } = this;
    const account = ctx.accountNumbers ?? ctx.restFake?.accountNumbers ?? {};
    const problem = dialProblem(verb, { from: ctx.from, to: ctx.to }, account);
    this.dialAttempts.push({
      atMs: ctx.nowMs(),
      verb,
      placed: problem === null,
      ...(problem ? { errorCode: problem.errorCode } : {}),
    });
    if (problem) this.log(problem);
    else this.dialed.push(verb);
    ctx.notify();
    return problem;
  }

  /** The refusal of a `<Stream>` url (logged), or null when Twilio would open it. */
  streamUrl(url: string): TwilioNotificationCode | null {
    const problem = streamUrlProblem(url);
    if (problem) this.log(problem);
    return problem;
  }

  private log(problem: TwilioNotificationCode): void {
    this.notifications.push({ atMs: this.ctx.nowMs(), ...problem });
    this.ctx.restFake?.notify(this.ctx.callSid, problem.errorCode, problem.message);
  }
}
