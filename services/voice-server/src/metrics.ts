import {
  BoundedLabel,
  createMetricsRegistry,
  MAX_LABEL_VALUES,
  otlpSpanDrops,
} from '@switchboard/service-kit';
import { Counter, collectDefaultMetrics, Gauge, Histogram, type Registry } from 'prom-client';

/** Buckets (seconds) of in-process relay work: a frame in, a frame out, a barge-in. */
const FAST_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];
/** Buckets (seconds) of a turn (caller stops → model's first audio) and of a tool. */
const SLOW_BUCKETS = [0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30];

/**
 * The process's call metrics, exposed at /metrics through prom-client. Counts and gauges are plain
 * fields the call parts bump (tests read them directly); the registry reads them at each scrape.
 * Histograms are observed as things happen. Label values are bounded: reasons, codes, directions and
 * tool names, never a call SID or a phone number.
 */
export class VoiceMetrics {
  activeCalls = 0;
  callsStarted = 0;
  callsEnded = new Map<string, number>();
  framesIn = 0;
  framesOut = 0;
  framesMalformed = 0;
  framesBeforeSession = 0;
  lateDeltasDropped = 0;
  /** Media, marks or digits that came before the stream's `start`. */
  framesBeforeStart = 0;
  /** Stream frames over MAX_FRAME_BYTES (the stream is closed with 1009). */
  oversizedFrames = 0;
  /** Model audio deltas over 200 ms, sent to the caller in ~100 ms pieces. */
  oversizedDeltas = 0;
  silenceFilledMs = 0;
  bargeIns = 0;
  /** Realtime sockets that dropped mid-call. */
  realtimeDrops = 0;
  /** Reconnect attempts and their ends, by outcome (resumed, failed, dropped_early, gave_up, fatal). */
  realtimeReconnects = new Map<string, number>();
  /** The Realtime circuit breaker: 0 closed, 1 open, 2 half-open. */
  realtimeBreakerState = 0;
  /** 1 while the process drains (readiness 503, new streams refused). */
  draining = 0;
  /** Calls answered with the fallback while the breaker was open. */
  breakerFallbacks = 0;
  realtimeErrors = new Map<string, number>();
  /** Realtime events dropped at the boundary, by `type|reason`. */
  realtimeEventsDropped = new Map<string, number>();
  webhooksRefused = 0;
  /** Signed webhooks with a routing field Twilio never sends (repeated, too long). */
  webhooksUnusable = 0;
  /** Transcript items app-server never got, by reason (queue_full, rejected, closed): the loss alarm. */
  appSyncDropped = new Map<string, number>();
  appSyncQueueDepth = 0;
  appSyncRetries = 0;
  appSyncProvisionalTickets = 0;
  /** Answers served from the cache while ai-server was unreachable, by method. */
  aiStaleServed = new Map<string, number>();
  streamsRefused = 0;
  /** Call recordings started by TwiML (<Start><Recording>), by outcome (started). */
  callRecordings = new Map<string, number>();
  /** Telemetry (traces, spans) given up so a call never waits on it, by sink (`otlp` is read from service-kit). */
  telemetryDropped = new Map<string, number>();
  /** Calls whose external TTS voice gave up (the model's own audio took over), by error code. */
  ttsFallbacks = new Map<string, number>();
  /** Characters sent to external TTS, counted at each call's end. */
  ttsCharacters = 0;
  /** Caller audio sent to external transcribers, in seconds, by provider. */
  transcriberSeconds = new Map<string, number>();
  /** External transcriptions of caller turns, by `provider|status` (ok, empty, failed). */
  transcriptions = new Map<string, number>();

  /** This process's registry (never prom-client's global one). */
  readonly registry: Registry;
  /** Time a frame spends in the relay: `caller_to_model` (Twilio → Realtime), `model_to_caller`. */
  readonly relayLatency: Histogram<'direction'>;
  /**
   * Its two series, bound once, so the hot path builds no labels object per observation (prom-client
   * still checks and hashes the labels inside; the sampling in the loops is what keeps the cost down).
   */
  readonly relayLatencyByDirection: Readonly<
    Record<'caller_to_model' | 'model_to_caller', Histogram.Internal<'direction'>>
  >;
  /** Caller started speaking → the agent was stopped (response cancelled, Twilio cleared). */
  readonly bargeInLatency: Histogram;
  /** Caller stopped speaking → the model's first audio of the reply went to Twilio. */
  readonly turnLatency: Histogram;
  /** External TTS: a turn's first text in → its first audio out (the provider's share of a reply). */
  readonly ttsFirstAudio: Histogram;
  /** Tool runs, by tool and outcome (ok, error). */
  readonly toolDuration: Histogram<'tool' | 'outcome'>;

  private readonly bounded = new Map<Map<string, number>, BoundedLabel>();
  private readonly toolNames = new BoundedLabel(MAX_LABEL_VALUES);
  private processMetrics = false;

  constructor() {
    this.registry = createMetricsRegistry({ processMetrics: false });
    this.relayLatency = new Histogram({
      name: 'voice_relay_latency_seconds',
      help: 'Time a frame spends in the relay, by direction (caller_to_model, model_to_caller).',
      labelNames: ['direction'],
      buckets: FAST_BUCKETS,
      registers: [this.registry],
    });
    this.relayLatencyByDirection = {
      caller_to_model: this.relayLatency.labels('caller_to_model'),
      model_to_caller: this.relayLatency.labels('model_to_caller'),
    };
    this.bargeInLatency = new Histogram({
      name: 'voice_barge_in_latency_seconds',
      help: 'Caller started speaking over the agent until the agent was stopped.',
      buckets: FAST_BUCKETS,
      registers: [this.registry],
    });
    this.turnLatency = new Histogram({
      name: 'voice_turn_latency_seconds',
      help: "Caller stopped speaking until the model's first audio of the reply was sent.",
      buckets: SLOW_BUCKETS,
      registers: [this.registry],
    });
    this.ttsFirstAudio = new Histogram({
      name: 'voice_tts_first_audio_seconds',
      help: "External TTS: a turn's first text sent until its first audio went to the caller.",
      buckets: [0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 2, 5],
      registers: [this.registry],
    });
    this.toolDuration = new Histogram({
      name: 'voice_tool_duration_seconds',
      help: 'Tool runs, by tool and outcome.',
      labelNames: ['tool', 'outcome'],
      buckets: SLOW_BUCKETS,
      registers: [this.registry],
    });
    this.defineCollected();
  }

  /** Adds the process metrics (event-loop lag, heap, GC) to the registry; once per app. */
  enableProcessMetrics(): void {
    if (this.processMetrics) return;
    this.processMetrics = true;
    collectDefaultMetrics({ register: this.registry });
  }

  callEnded(reason: string): void {
    this.activeCalls--;
    this.add(this.callsEnded, reason);
  }

  /** Adds `n` to the count under `key` in `map` (unbounded; prefer the instance methods). */
  static bump(map: Map<string, number>, key: string, n = 1): void {
    map.set(key, (map.get(key) ?? 0) + n);
  }

  /** Adds `n` under `key`, folded into `other` once the map holds MAX_LABEL_VALUES keys. */
  add(map: Map<string, number>, key: string, n = 1): void {
    let label = this.bounded.get(map);
    if (!label) {
      label = new BoundedLabel();
      this.bounded.set(map, label);
    }
    VoiceMetrics.bump(map, label.of(key), n);
  }

  realtimeReconnect(outcome: string): void {
    this.add(this.realtimeReconnects, outcome);
  }

  realtimeEventDropped(type: string, reason: string): void {
    this.add(this.realtimeEventsDropped, `${type}|${reason}`);
  }

  realtimeError(code: string): void {
    this.add(this.realtimeErrors, code);
  }

  /** One tool run. */
  toolRan(tool: string, durationMs: number, ok: boolean): void {
    this.toolDuration.observe(
      { tool: this.toolNames.of(tool), outcome: ok ? 'ok' : 'error' },
      durationMs / 1000,
    );
  }

  /** Prometheus exposition text. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  private defineCollected(): void {
    const registers = [this.registry];
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    const counter = (name: string, help: string, read: () => number) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    const labelled = (name: string, help: string, label: string, read: () => Map<string, number>) =>
      new Counter({
        name,
        help,
        labelNames: [label],
        registers,
        collect() {
          this.reset();
          for (const [k, v] of read()) this.inc({ [label]: k }, v);
        },
      });
    gauge('voice_active_calls', 'Calls in progress.', () => this.activeCalls);
    gauge('voice_draining', '1 while the process drains (new calls go to other pods).', () => this.draining);
    counter('voice_calls_started_total', 'Calls started.', () => this.callsStarted);
    labelled('voice_calls_ended_total', 'Calls ended, by reason.', 'reason', () => this.callsEnded);
    counter('voice_frames_in_total', 'Caller media frames relayed to the model.', () => this.framesIn);
    counter('voice_frames_out_total', 'Model audio frames sent to the caller.', () => this.framesOut);
    counter(
      'voice_frames_malformed_total',
      'Inbound frames dropped as malformed.',
      () => this.framesMalformed,
    );
    counter(
      'voice_frames_before_session_total',
      'Caller frames dropped while no model session was ready (beyond the 1.5 s held for it).',
      () => this.framesBeforeSession,
    );
    counter(
      'voice_frames_before_start_total',
      'Stream messages sent before start (ignored).',
      () => this.framesBeforeStart,
    );
    counter(
      'voice_oversized_frames_total',
      'Stream frames over MAX_FRAME_BYTES (closed with 1009).',
      () => this.oversizedFrames,
    );
    counter(
      'voice_late_deltas_dropped_total',
      'Audio deltas of cancelled responses dropped.',
      () => this.lateDeltasDropped,
    );
    const framesDropped = (): Array<[string, number]> => [
      ['malformed', this.framesMalformed],
      ['before_session', this.framesBeforeSession],
      ['before_start', this.framesBeforeStart],
      ['oversized', this.oversizedFrames],
      ['late_delta', this.lateDeltasDropped],
    ];
    new Counter({
      name: 'voice_frames_dropped_total',
      help: 'Frames dropped, by reason (malformed, before_session, before_start, oversized, late_delta).',
      labelNames: ['reason'],
      registers,
      collect() {
        this.reset();
        for (const [reason, v] of framesDropped()) this.inc({ reason }, v);
      },
    });
    counter(
      'voice_oversized_deltas_total',
      'Model audio deltas over 200 ms, relayed in ~100 ms pieces with a mark each.',
      () => this.oversizedDeltas,
    );
    counter(
      'voice_silence_filled_ms_total',
      'Silence inserted for inbound timestamp gaps.',
      () => this.silenceFilledMs,
    );
    counter('voice_barge_ins_total', 'Caller interruptions handled.', () => this.bargeIns);
    counter(
      'voice_realtime_drops_total',
      'Realtime sockets that dropped mid-call.',
      () => this.realtimeDrops,
    );
    labelled(
      'voice_realtime_reconnects_total',
      'Realtime reconnect attempts and outcomes (resumed, failed, dropped_early, gave_up, fatal).',
      'outcome',
      () => this.realtimeReconnects,
    );
    gauge(
      'voice_realtime_breaker_state',
      'Realtime circuit breaker: 0 closed, 1 open (new calls get the fallback), 2 half-open.',
      () => this.realtimeBreakerState,
    );
    counter(
      'voice_breaker_fallbacks_total',
      'Calls answered with the fallback TwiML because the breaker was open.',
      () => this.breakerFallbacks,
    );
    labelled(
      'voice_realtime_errors_total',
      'Realtime error events, by code.',
      'code',
      () => this.realtimeErrors,
    );
    const dropped = () => this.realtimeEventsDropped;
    new Counter({
      name: 'voice_realtime_events_dropped_total',
      help: 'Realtime events dropped at the boundary (malformed, or a handler failed), by type and reason.',
      labelNames: ['type', 'reason'],
      registers,
      collect() {
        this.reset();
        for (const [k, v] of dropped()) {
          const [type = '', reason = ''] = k.split('|');
          this.inc({ type, reason }, v);
        }
      },
    });
    labelled(
      'voice_call_recordings_total',
      'Call recordings started (TwiML <Start><Recording> on a recorded profile), by outcome (started).',
      'outcome',
      () => this.callRecordings,
    );
    labelled(
      'voice_app_sync_dropped_total',
      'Transcript items app-server never got, by reason.',
      'reason',
      () => this.appSyncDropped,
    );
    gauge(
      'voice_app_sync_queue_depth',
      'Transcript messages waiting for app-server (the outbox).',
      () => this.appSyncQueueDepth,
    );
    counter('voice_app_sync_retries_total', 'Retried deliveries to app-server.', () => this.appSyncRetries);
    counter(
      'voice_app_sync_provisional_tickets_total',
      'Tickets queued while app-server was down.',
      () => this.appSyncProvisionalTickets,
    );
    labelled(
      'voice_ai_stale_answers_total',
      'Cached ai-server answers served during an outage.',
      'method',
      () => this.aiStaleServed,
    );
    counter('voice_webhooks_refused_total', 'Webhooks refused (bad signature).', () => this.webhooksRefused);
    counter(
      'voice_webhooks_unusable_total',
      'Signed webhooks with an unusable field (not in service).',
      () => this.webhooksUnusable,
    );
    counter('voice_streams_refused_total', 'Stream upgrades refused.', () => this.streamsRefused);
    labelled(
      'voice_tts_fallbacks_total',
      "Calls whose external TTS voice gave up mid-call (the model's own audio took over), by error code.",
      'code',
      () => this.ttsFallbacks,
    );
    counter(
      'voice_tts_characters_total',
      'Characters sent to external TTS (counted when each call ends).',
      () => this.ttsCharacters,
    );
    labelled(
      'voice_transcriber_audio_seconds_total',
      'Caller audio sent to external transcribers, in seconds, by provider.',
      'provider',
      () => this.transcriberSeconds,
    );
    const transcriptions = () => this.transcriptions;
    new Counter({
      name: 'voice_transcriptions_total',
      help: 'External transcriptions of caller turns, by provider and status (ok, empty, failed).',
      labelNames: ['provider', 'status'],
      registers,
      collect() {
        this.reset();
        for (const [k, v] of transcriptions()) {
          const [provider = '', status = ''] = k.split('|');
          this.inc({ provider, status }, v);
        }
      },
    });
    labelled(
      'voice_telemetry_dropped_total',
      'Traces and spans given up so no call waits on telemetry, by sink.',
      'sink',
      // The process's OTLP spans (queue full, collector failing) beside this app's own sinks (opik).
      () => new Map([...this.telemetryDropped, ['otlp', otlpSpanDrops.total]]),
    );
  }
}
