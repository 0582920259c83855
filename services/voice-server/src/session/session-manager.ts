import type { RealtimeServerEvent } from '@switchboard/realtime';
import { maskPhone } from '@switchboard/service-kit';
import type { StaffActor } from '@switchboard/service-kit/clients/app-server';
import { withStartVoice } from '../language/languages.ts';
import { switchLanguageTool } from '../language/switch-language-tool.ts';
import type { CallProfile } from '../ports/ai-server.ts';
import { transferCallerId, transferTwiml } from '../tools/transfer-to-human.ts';
import { setUpCall } from './call-setup.ts';
import type { SpeechUsage } from './call-speech.ts';
import {
  type CallInfo,
  type CallLimits,
  callLimits,
  type EndReason,
  errInfo,
  type ResponseParams,
  type SessionDeps,
} from './call-types.ts';
import { type CallParts, wireCall } from './call-wiring.ts';
import { goodbyeFor } from './lines.ts';
import type { PlaybackTracker } from './playback-tracker.ts';
import { sessionConfigFor } from './session-config.ts';
import type { Transcript } from './transcript.ts';

export type { SpeechUsage } from './call-speech.ts';

/** Longest an answer being spoken may go on once the call is ending; then it is cut for the goodbye. */
export const FINISH_ANSWER_MAX_MS = 10_000;
export {
  type CallInfo,
  type CallLimits,
  type CallLimitsOverrides,
  DEFAULT_CALL_LIMITS,
  type EndReason,
  type ResponseParams,
  type SessionDeps,
  type TtsControl,
} from './call-types.ts';
export type { SpeechProviders } from './speech-plan.ts';

/** What the caller hears (from Twilio) before a transfer staff asked for. */
export const STAFF_TRANSFER_LINE = 'Please hold while I connect you to a colleague.';

/** A transfer needs a caller ID to show, and the call has none (a SIP caller without an outbound number). */
export class NoCallerIdError extends Error {
  constructor() {
    super('no caller ID to show on the transfer (set the profile outbound number)');
    this.name = 'NoCallerIdError';
  }
}

/**
 * One call: the coordinator. It owns the call's lifecycle (run, stop, end politely, finish) over parts
 * wired in `call-wiring.ts`; it holds no feature state and does no I/O itself. The two loops run
 * concurrently for the whole call and end together: `CallerInput` (Twilio → Realtime) and
 * `ModelOutput` (Realtime → Twilio).
 */
export class TwilioSessionManager {
  readonly limits: CallLimits;
  private readonly parts: CallParts;
  private profile: CallProfile | undefined;

  constructor(
    private readonly deps: SessionDeps,
    readonly call: CallInfo,
  ) {
    this.limits = callLimits(deps.limits);
    this.parts = wireCall(deps, call, this.limits, {
      profile: () => this.profile,
      endPolitely: (reason) => this.endPolitely(reason),
    });
  }

  /** What the caller has heard, from Twilio's echoed marks. */
  get playback(): PlaybackTracker {
    return this.parts.playback;
  }

  get transcript(): Transcript {
    return this.parts.transcript;
  }

  /** Why the call ended, once it has. */
  get reason(): EndReason | undefined {
    return this.parts.lifecycle.endReason;
  }

  get isEnded(): boolean {
    return this.parts.lifecycle.isEnded;
  }

  /** Timestamp (ms since stream start) of the last caller frame. */
  get latestMediaTs(): number {
    return this.parts.input.latestMediaTs;
  }

  /**
   * What the call used of external speech providers (TTS characters, transcribed seconds), for cost
   * attribution; final once the call has ended (also in the call's end log line).
   */
  get speechUsage(): SpeechUsage {
    return this.parts.speech.usage;
  }

  /** Realtime sessions resumed after a drop. */
  get reconnects(): number {
    return this.parts.link.reconnects;
  }

  /** Live timers this call holds (tests assert none are left). */
  get liveTimers(): number {
    const { lifecycle, tools, limiter } = this.parts;
    return lifecycle.liveTimers + tools.liveTimers + limiter.liveTimers;
  }

  /** Runs the call to its end; never rejects. */
  async run(): Promise<EndReason> {
    const { lifecycle, log, input, output, link, tools, limiter, report, levels } = this.parts;
    report.started();
    if (levels) {
      levels.start();
      lifecycle.onEnd(() => levels.stop());
    }
    const inbound = input.run().catch((err) => {
      log.error({ err: errInfo(err) }, 'caller loop failed');
      lifecycle.end('stream_closed');
    });
    const setup = await setUpCall({
      call: this.call,
      aiServer: this.deps.aiServer,
      lifecycle,
      log,
      open: () => link.open(),
      onAccepted: (profile, outbound) => {
        this.profile = profile;
        report.startConversation(profile, outbound);
        // Levels go out once app-server has the conversation they belong to.
        if (levels) void report.conversationStarted.then(() => levels.send());
      },
      onRealtimeUnavailable: () => this.parts.dropFallback(),
      ...(this.deps.amdGate ? { amdGate: this.deps.amdGate } : {}),
    });
    let outbound: Promise<void> = Promise.resolve();
    if (setup) {
      const { agents, language } = this.parts;
      // The call starts in the profile's first language, with its voice when it has one.
      const first = language.start(setup.profile);
      const builtins = [...agents.toolHandlers(setup.profile), switchLanguageTool(language)];
      const all = tools.start(setup.profile, setup.dynamicTools, builtins);
      // The entry agent takes the call (its instructions, tools and voice); the profile's own without agents.
      const entry = agents.start(withStartVoice(setup.profile, first), setup.instructions, all);
      const speech = this.parts.speech.configure(entry.profile);
      const { config, problems } = sessionConfigFor(entry.profile, entry.instructions, entry.tools, {
        textOnly: speech.textOnly,
        language: first,
      });
      for (const problem of [...speech.problems, ...problems]) {
        log.warn({ problem }, 'profile setting not sent to the Realtime API');
        this.parts.transcript.add({
          role: 'system',
          text: problem,
          startedAt: new Date().toISOString(),
          source: 'system',
        });
      }
      link.configure(setup.rt, config);
      limiter.start(setup.profile);
      outbound = output.run(setup.rt).catch((err) => {
        log.error({ err: errInfo(err) }, 'model loop failed');
        lifecycle.end('realtime_closed');
      });
    }
    await Promise.all([inbound, outbound]);
    const reason = lifecycle.endReason ?? 'stream_closed';
    report.finished(reason, this.parts.transcript, link.generation > 0, this.parts.speech.usage);
    return reason;
  }

  /** Ends the call from outside at once (no goodbye); idempotent. */
  stop(reason: EndReason = 'shutdown'): void {
    this.parts.lifecycle.end(reason);
  }

  /**
   * Ends the call politely: tools and clocks stop, the agent says goodbye, then the call ends. An
   * answer being spoken is not cut: the goodbye is asked for once it is done (its audio then follows
   * the answer's), unless it is still going after {@link FINISH_ANSWER_MAX_MS}.
   */
  endPolitely(reason: EndReason): void {
    const { lifecycle, link, log, limiter, tools, bargeIn, afterReply, responses } = this.parts;
    if (lifecycle.isEnded || lifecycle.endingPolitely) return;
    if (!link.current) {
      lifecycle.end(reason);
      return;
    }
    lifecycle.endingPolitely = true;
    const answering = responses.isBusy;
    log.info({ reason, answering }, 'ending the call with a goodbye');
    limiter.stop();
    tools.dispose();
    const hangUp = () => lifecycle.hangUp(reason);
    afterReply.replace(reason, hangUp);
    const language = this.parts.language.current ?? this.profile?.language;
    responses.request({ kind: 'line', line: goodbyeFor(reason, language) });
    let graceMs = this.limits.goodbyeGraceMs;
    if (answering) {
      graceMs += FINISH_ANSWER_MAX_MS;
      lifecycle.later(FINISH_ANSWER_MAX_MS, () => {
        const rt = link.current;
        // The goodbye still waits: the answer before it has not ended. Cut it, so the goodbye is said.
        if (!rt || responses.waiting === 0) return;
        log.info({ reason }, 'the answer before the goodbye did not end in time; cutting it');
        bargeIn.interrupt(rt);
        afterReply.replace(reason, hangUp);
      });
    }
    lifecycle.later(graceMs, () => void hangUp());
  }

  /**
   * Staff ended the call from the live monitor: a note in the transcript, then the polite end (the
   * agent's goodbye, then the hang-up). False when the call is already over or ending.
   */
  endByStaff(staff: StaffActor): boolean {
    const { lifecycle, log } = this.parts;
    if (lifecycle.isEnded || lifecycle.endingPolitely) return false;
    log.info({ staffId: staff.staffId }, 'staff ended the call from the live monitor');
    this.note(`${staff.staffName} ended the call from the live monitor.`);
    this.endPolitely('staff_ended');
    return true;
  }

  /**
   * Staff transferred the call from the live monitor to `to` (E.164): Twilio says a short line and dials
   * it. Rejects when there is no caller ID to show or Twilio refuses; false when the call is over.
   */
  async transferByStaff(to: string, staff: StaffActor): Promise<boolean> {
    const { lifecycle, log, limiter } = this.parts;
    if (lifecycle.isEnded || lifecycle.transferring) return false;
    const profile = this.profile;
    const callerId = profile ? transferCallerId({ call: this.call, profile }) : undefined;
    if (!callerId) throw new NoCallerIdError();
    log.info(
      { staffId: staff.staffId, to: maskPhone(to) },
      'staff transferred the call from the live monitor',
    );
    this.note(`${staff.staffName} transferred the call to ${to} from the live monitor.`);
    limiter.stop();
    await lifecycle.transfer(transferTwiml(to, callerId, STAFF_TRANSFER_LINE));
    return !lifecycle.isEnded || lifecycle.endReason === 'transferred';
  }

  /** A system note in the transcript (staff see it in the conversation). */
  private note(text: string): void {
    this.parts.transcript.add({
      role: 'system',
      text,
      startedAt: new Date().toISOString(),
      source: 'system',
    });
  }

  /** Handles one Realtime server event (scripted unit tests drive the model loop through it). */
  onRealtimeEvent(ev: RealtimeServerEvent): void {
    this.parts.output.onEvent(ev);
  }

  /** Asks for a response now, or once the active one is done (never two at once). */
  requestResponse(response?: ResponseParams): void {
    this.parts.responses.request(
      response?.instructions ? { kind: 'line', line: response.instructions } : { kind: 'continue' },
    );
  }
}
