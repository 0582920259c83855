import type { Logger } from '@switchboard/service-kit';
import { maskPhone, startStageSpan } from '@switchboard/service-kit';
import { CallLanguage } from '../language/call-language.ts';
import type { CallProfile } from '../ports/ai-server.ts';
import { CallerTurnAudio } from '../speech/caller-turn-audio.ts';
import { noCallTracer } from '../telemetry/call-tracer.ts';
import { withTraceOnTickets } from '../telemetry/traced-tickets.ts';
import { recordTurnSpan } from '../telemetry/turn-span.ts';
import { AfterReply } from './after-reply.ts';
import { CallAgents } from './agents.ts';
import { AudioLevels, measureAgentAudio } from './audio-levels.ts';
import { AudioOut } from './audio-out.ts';
import { BargeIn } from './barge-in.ts';
import { CallLimiter } from './call-limits.ts';
import { CallReport } from './call-report.ts';
import { CallSpeech } from './call-speech.ts';
import {
  type CallInfo,
  type CallLimits,
  type EndReason,
  errInfo,
  type SessionDeps,
  type TtsControl,
} from './call-types.ts';
import { CallerInput } from './caller-input.ts';
import { takeDropFallback } from './drop-fallback.ts';
import { DtmfCollector } from './dtmf.ts';
import { OutageFiller } from './filler.ts';
import { CallLifecycle } from './lifecycle.ts';
import { greetingLine, RESUME_AFTER_DROP } from './lines.ts';
import { ModelOutput } from './model-output.ts';
import { PlaybackTracker } from './playback-tracker.ts';
import { RealtimeLink } from './realtime-link.ts';
import { ResponseQueue } from './response-queue.ts';
import { ToolBridge } from './tool-bridge.ts';
import { Transcript } from './transcript.ts';
import { TranscriptEvents } from './transcript-events.ts';

/** The parts of one call. */
export interface CallParts {
  log: Logger;
  lifecycle: CallLifecycle;
  playback: PlaybackTracker;
  transcript: Transcript;
  report: CallReport;
  link: RealtimeLink;
  responses: ResponseQueue;
  input: CallerInput;
  output: ModelOutput;
  bargeIn: BargeIn;
  afterReply: AfterReply;
  tools: ToolBridge;
  limiter: CallLimiter;
  /** External TTS voice and transcriber, per profile. */
  speech: CallSpeech;
  /** The model cannot be reached: transfer to a person, or a callback and a goodbye. */
  dropFallback: (fatalCode?: string) => Promise<void>;
  /** Each side's audio level (the live monitor), when measured. */
  levels: AudioLevels | undefined;
  /** The profile's specialist agents and the one talking. */
  agents: CallAgents;
  /** The language the call is in, its detection and switches. */
  language: CallLanguage;
}

/** What the parts ask of the coordinator. */
export interface CallOwner {
  profile(): CallProfile | undefined;
  endPolitely(reason: EndReason): void;
}

/**
 * The call's wiring diagram: which part talks to which, through direct calls handed over here (no
 * event bus). Caller frames enter at `CallerInput`, model events at `ModelOutput`; barge-in happens in
 * `BargeIn`, tools run behind `ToolBridge`, and `CallLifecycle` decides how the call ends.
 */
export function wireCall(deps: SessionDeps, call: CallInfo, limits: CallLimits, owner: CallOwner): CallParts {
  const { metrics, aiServer, appServer } = deps;
  // Each side's audio level for the live monitor: the agent's frames measured on their way out.
  const levels = deps.levels ? new AudioLevels(call.callSid, deps.levels) : undefined;
  const transport = levels ? measureAgentAudio(deps.transport, levels) : deps.transport;
  const log = deps.logger.child({ callSid: call.callSid, streamSid: call.streamSid });
  const lifecycle = new CallLifecycle({ twilioRest: deps.twilioRest, callSid: call.callSid, log });
  const now = deps.now ?? (() => performance.now());
  const playback = new PlaybackTracker(now);
  const trace = (deps.tracer ?? noCallTracer).startCall({
    callSid: call.callSid,
    streamSid: call.streamSid,
    botProfileKey: call.botProfileKey,
    isSip: call.isSip,
    caller: maskPhone(call.callerNumber),
  });
  // Tickets the call raises carry its trace id.
  const ticketsClient = withTraceOnTickets(appServer, trace.traceId);
  const report = new CallReport({
    call,
    trace,
    startedAtMs: lifecycle.startedAtMs,
    aiServer,
    appServer,
    metrics,
    log,
    ...(deps.controlUrl ? { controlUrl: deps.controlUrl } : {}),
  });
  const transcript = new Transcript(
    call.callSid,
    appServer,
    (err) => log.warn({ err: errInfo(err) }, 'transcript sync failed'),
    () => report.conversationStarted,
  );
  const messages = () => transcript.messages();
  // Each caller turn's audio until its words arrive: a new session after a drop hears what the old one lost.
  const turnAudio = new CallerTurnAudio({});
  const audioOut = new AudioOut(transport, playback, metrics);
  // Parts built further down; the link's hooks run only once the call is under way.
  const p = { log, lifecycle, playback, transcript, report, levels } as CallParts;
  const filler = new OutageFiller({
    audioOut,
    maxMs: limits.maxFillerMs,
    later: (ms, fn) => lifecycle.later(ms, fn),
    sayInVoice: (text, item) => p.speech.sayLine(text, item),
  });
  const link = new RealtimeLink({
    connect: deps.connectRealtime,
    callSid: call.callSid,
    lifecycle,
    log,
    metrics,
    policy: limits.reconnect,
    renewAfterMs: limits.renewRealtimeAfterMs,
    ...(deps.realtimeHealth ? { health: deps.realtimeHealth } : {}),
    transcript: messages,
    audioOf: (itemId) => turnAudio.audioOf(itemId),
    hooks: {
      onOpened: (rt) => {
        turnAudio.onSessionStart();
        p.input.flushHeld(rt);
      },
      onDropped: (newOutage) => {
        p.responses.reset();
        if (!lifecycle.isEnded) filler.onDropped(newOutage);
      },
      onResumed: () => {
        filler.onResumed();
        p.responses.request({ kind: 'line', line: RESUME_AFTER_DROP });
      },
      giveUp: (fatalCode) => {
        filler.onGaveUp();
        return p.dropFallback(fatalCode);
      },
      // Quiet: nothing playing or under way, and no caller words still to come from this session.
      isQuiet: () =>
        !transcript.callerTurnPending() &&
        !p.responses.isBusy &&
        !p.bargeIn.callerSpeaking &&
        !playback.hasPendingAudio &&
        p.tools.pending === 0,
    },
  });
  const responses = new ResponseQueue(link);
  const speech = new CallSpeech({
    providers: deps.speech ?? {},
    audioOut,
    playback,
    responses,
    transcript,
    turnAudio,
    updateSession: (patch) => link.updateSession(patch),
    // The first synthesized chunk is the first audio the caller hears of the turn.
    onFirstAudio: (itemId) => {
      transcriptEvents.onSynthesized(itemId);
      transcriptEvents.onAgentAudio(itemId);
    },
    onFirstText: (itemId) => transcriptEvents.onAgentText(itemId),
    onFirstFrameSent: (itemId) => transcriptEvents.onAgentFrameSent(itemId),
    now,
    onActivity: () => p.limiter.activity(),
    record: (text) =>
      transcript.add({ role: 'system', text, startedAt: new Date().toISOString(), source: 'system' }),
    // The external transcriber's words count for the language detection too.
    onCallerWords: (text) => p.language.onCallerText(text),
    metrics,
    log,
    trace,
  });
  p.speech = speech;
  const afterReply = new AfterReply({
    playback,
    lifecycle,
    log,
    tellModel: (text) => {
      if (!link.current || lifecycle.isEnded) return;
      link.note(text);
      responses.request();
    },
  });
  const tools = new ToolBridge({
    call,
    log,
    lifecycle,
    link,
    responses,
    afterReply,
    audioOut,
    playback,
    transcript,
    aiServer,
    appServer: ticketsClient,
    knowledgeLanguage: () => p.language.knowledgeLanguage,
    onToolRan: (run) => {
      metrics.toolRan(run.call.name, run.durationMs, run.ok);
      startStageSpan(
        'voice-server',
        `tool ${run.call.name}`,
        { 'call.sid': call.callSid, 'tool.name': run.call.name, 'tool.ok': run.ok },
        Date.now() - run.durationMs,
      ).end();
      trace.toolRan(run);
    },
  });
  const limiter = new CallLimiter({
    limits,
    lifecycle,
    log,
    isBusy: () =>
      tools.pending > 0 ||
      responses.isActive ||
      playback.hasPendingAudio ||
      speech.busy ||
      p.bargeIn.callerSpeaking,
    say: (line) => responses.request({ kind: 'line', line }),
    note: (text) => link.note(text),
    endPolitely: (reason) => owner.endPolitely(reason),
    language: () => p.language.current,
    creditLeft: async (elapsedSec) => {
      const credits = await aiServer.checkCredits(call.botProfileKey);
      if (!credits.available) return 0;
      return credits.remainingSeconds === undefined ? Infinity : credits.remainingSeconds - elapsedSec;
    },
  });
  const bargeIn = new BargeIn({
    realtime: link,
    playback,
    responses,
    audioOut,
    transcript,
    metrics,
    log,
    tts: withExtraTts(speech, deps.tts),
    onInterrupted: () => {
      tools.onBargeIn();
      afterReply.onBargeIn();
    },
    onCallerActivity: () => limiter.callerActivity(),
  });
  const dtmf = new DtmfCollector({
    lifecycle,
    transcript,
    send: (event) => {
      if (!link.current) return false;
      link.current.send(event);
      return true;
    },
    requestResponse: () => responses.request(),
  });
  const input = new CallerInput({
    transport,
    lifecycle,
    playback,
    dtmf,
    metrics,
    log,
    realtime: link,
    onPlayed: () => {
      limiter.activity();
      // The caller has heard everything sent: a quiet moment a due session renewal waits for.
      if (!playback.hasPendingAudio) link.maybeRenew();
    },
    appended: turnAudio,
    ...(levels ? { onCallerAudio: (payload: string) => levels.addCaller(payload) } : {}),
  });
  const transcriptEvents = new TranscriptEvents(
    transcript,
    responses,
    now,
    turnAudio,
    () => link.maybeRenew(),
    (ms) => metrics.turnLatency.observe(ms / 1000),
    (turn) => {
      trace.turnLatency(turn);
      recordTurnSpan(call.callSid, turn);
    },
    (itemId) => speech.onRealtimeCallerText(itemId),
    (text) => p.language.onCallerText(text),
  );
  const output = new ModelOutput({
    link,
    lifecycle,
    audioOut,
    responses,
    bargeIn,
    afterReply,
    tools,
    limiter,
    metrics,
    log,
    onResponseDone: (response) => trace.responseDone(response),
    transcriptEvents,
    speech,
    greeting: () => greetingLine(owner.profile()),
    record: (text) =>
      transcript.add({ role: 'system', text, startedAt: new Date().toISOString(), source: 'system' }),
  });
  const dropFallback = (fatalCode?: string) =>
    takeDropFallback({
      ...(fatalCode ? { fatalCode } : {}),
      call,
      profile: owner.profile(),
      lifecycle,
      appServer: ticketsClient,
      log,
      transcript: (timeoutMs) => transcript.settled(timeoutMs),
      sayInVoice: (text) => speech.sayAndWait(text, VOICED_LINE_TIMEOUT_MS),
      knowledgeChunkIds: tools.knowledgeChunkIds,
      language: () => p.language.current,
    });
  const agents = new CallAgents({
    updateSession: (patch) => link.updateSession(patch),
    note: (text) => link.note(text),
    record: (message) => transcript.add(message),
    language: () => p.language.current,
  });
  const language = new CallLanguage({
    updateSession: (patch) => link.updateSession(patch),
    instructions: () => agents.instructionsNow(),
    transcription: () => link.sessionConfig?.audio?.input?.transcription,
    say: (line) => responses.request({ kind: 'line', line }),
    record: (message) => transcript.add(message),
    voiceChanged: (voice) => {
      if (speech.changeVoice(voice)) log.info('the external voice follows the call language');
    },
  });
  Object.assign(p, {
    link,
    responses,
    input,
    output,
    bargeIn,
    afterReply,
    tools,
    limiter,
    dropFallback,
    agents,
    language,
  });
  // What each part lets go of when the call ends, in this order.
  lifecycle.onEnd(() => limiter.stop());
  lifecycle.onEnd(() => tools.dispose());
  lifecycle.onEnd(() => afterReply.clear());
  lifecycle.onEnd(() => input.dropHeld());
  lifecycle.onEnd(() => speech.closeVoice());
  lifecycle.onEnd(() => void speech.finishTranscripts(TRANSCRIPTION_GRACE_MS));
  lifecycle.onEnd(() => link.close());
  lifecycle.onEnd(() => {
    if (transport.isOpen) transport.close(1000, 'call ended');
  });
  return p;
}

/** Longest wait for a line in the brand's voice to be synthesized, then to play. */
const VOICED_LINE_TIMEOUT_MS = 8_000;

/** How long a call's last caller turns may still be transcribed after it ended. */
const TRANSCRIPTION_GRACE_MS = 5_000;

/** The call's external voice, plus a control given with the session's ports (tests observe it). */
function withExtraTts(speech: CallSpeech, extra: TtsControl | undefined): TtsControl {
  if (!extra) return speech;
  return {
    cancel: () => {
      extra.cancel();
      return speech.cancel();
    },
    get busy() {
      return speech.busy || (extra.busy ?? false);
    },
    heardText: (itemId, heardMs) => speech.heardText(itemId, heardMs),
  };
}
