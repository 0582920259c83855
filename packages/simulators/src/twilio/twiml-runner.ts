/**
 * Runs TwiML verbs in order, as Twilio does: `<Connect><Stream>` runs the stream and carries on with
 * the next verb when the server closes it, `<Say>` is spoken (it takes its time), `<Start><Recording>`
 * starts the call's recording, `<Dial>` and `<Hangup>` end the call
 * (a `<Dial>` Twilio refuses fails and the next verb runs, as without an `action`), `<Redirect>`
 * fetches and runs new TwiML. A newer generation (a REST update, the end) stops a run.
 */
import type { TwimlConnect, TwimlDial, TwimlVerb } from '@switchboard/telephony';
import type { StreamOutcome } from './call-stream.ts';
import type { CallEnd, CallRedirect } from './call-types.ts';
import { failureEnd, resolveUrl, type TwimlFetch } from './twiml-fetch.ts';

/** What running TwiML may do to a call. */
export interface TwimlHost {
  /** False once the call ended or newer TwiML replaced this run. */
  isCurrent(generation: number): boolean;
  runStream(stream: TwimlConnect['stream']): Promise<StreamOutcome>;
  fetch(url: string, method: string): Promise<TwimlFetch>;
  /** Says `text` to the caller; resolves once it has been spoken (on the call's clock). */
  say(text: string): Promise<void>;
  /** `<Start><Recording>`: the call's recording starts now. */
  startRecording(attributes: Record<string, string>): void;
  /** Places the dial; the error Twilio logs when it refuses it, else null. */
  dial(verb: TwimlDial): { errorCode: number; message: string } | null;
  redirected(redirect: Omit<CallRedirect, 'atMs'>): void;
  skipped(verbName: string): void;
  finish(end: Omit<CallEnd, 'atMs'>): void;
}

/** Runs `verbs` (fetched from `documentUrl`) until they end the call or are replaced. */
export async function runTwiml(
  host: TwimlHost,
  verbs: TwimlVerb[],
  generation: number,
  documentUrl: string,
): Promise<void> {
  let lastStreamClose: StreamOutcome | undefined;
  let lastDialFailure: { errorCode: number; message: string } | null = null;
  for (const verb of verbs) {
    if (!host.isCurrent(generation)) return;
    lastStreamClose = undefined;
    lastDialFailure = null;
    switch (verb.verb) {
      case 'Connect': {
        const outcome = await host.runStream(verb.stream);
        if (!host.isCurrent(generation)) return;
        if (outcome.kind === 'failed') {
          host.finish({
            reason: 'stream_failed',
            ...(outcome.httpStatus !== undefined ? { httpStatus: outcome.httpStatus } : {}),
            ...(outcome.errorCode !== undefined ? { errorCode: outcome.errorCode } : {}),
            ...(outcome.detail ? { detail: outcome.detail } : {}),
          });
          return;
        }
        // The server closed the stream: Twilio carries on with the verb after <Connect>.
        lastStreamClose = outcome;
        break;
      }
      case 'Say':
        await host.say(verb.text);
        if (!host.isCurrent(generation)) return;
        break;
      case 'Start':
        host.startRecording(verb.recording);
        break;
      case 'Pause':
        break;
      case 'Hangup':
        host.finish({ reason: 'twiml_hangup' });
        return;
      case 'Dial':
        lastDialFailure = host.dial(verb);
        if (lastDialFailure) break;
        host.finish({ reason: 'dialed', detail: verb.number ?? verb.sip ?? '' });
        return;
      case 'Redirect': {
        const url = resolveUrl(verb.url, documentUrl);
        const fetched = await host.fetch(url, verb.method ?? 'POST');
        if (!host.isCurrent(generation)) return;
        host.redirected({ via: 'twiml_redirect', url, ...redirectFields(fetched) });
        if (!fetched.verbs) {
          host.finish(failureEnd(fetched));
          return;
        }
        return runTwiml(host, fetched.verbs, generation, url);
      }
      case 'Other':
        host.skipped(verb.name);
        break;
    }
  }
  if (lastDialFailure)
    host.finish({
      reason: 'dial_failed',
      errorCode: lastDialFailure.errorCode,
      detail: lastDialFailure.message,
    });
  else if (lastStreamClose)
    host.finish({
      reason: 'stream_closed',
      ...(lastStreamClose.closeCode !== undefined ? { closeCode: lastStreamClose.closeCode } : {}),
      ...(lastStreamClose.detail ? { detail: lastStreamClose.detail } : {}),
    });
  else host.finish({ reason: 'twiml_finished' });
}

/** The fields of a redirect record that come from a TwiML fetch. */
export function redirectFields(fetched: TwimlFetch): Pick<CallRedirect, 'verbs' | 'twiml' | 'error'> {
  return {
    verbs: fetched.verbs ?? [],
    ...(fetched.twiml !== undefined ? { twiml: fetched.twiml } : {}),
    ...(fetched.error ? { error: fetched.error } : {}),
  };
}
