/** Process-wide counters and gauges, exposed at /metrics in Prometheus text format. */
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

  callEnded(reason: string): void {
    this.activeCalls--;
    this.callsEnded.set(reason, (this.callsEnded.get(reason) ?? 0) + 1);
  }

  /** Adds `n` to the count under `key` in `map`. */
  static bump(map: Map<string, number>, key: string, n = 1): void {
    map.set(key, (map.get(key) ?? 0) + n);
  }

  realtimeReconnect(outcome: string): void {
    VoiceMetrics.bump(this.realtimeReconnects, outcome);
  }

  realtimeEventDropped(type: string, reason: string): void {
    VoiceMetrics.bump(this.realtimeEventsDropped, `${type}|${reason}`);
  }

  realtimeError(code: string): void {
    this.realtimeErrors.set(code, (this.realtimeErrors.get(code) ?? 0) + 1);
  }

  /** Prometheus exposition text. */
  render(extra: Record<string, number> = {}): string {
    const lines: string[] = [];
    const metric = (name: string, type: string, help: string, values: Array<[string, number]>) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, v] of values) lines.push(`${name}${labels} ${v}`);
    };
    const esc = (v: string) => v.replace(/["\\\n]/g, '_');
    const labelled = (label: string, m: Map<string, number>): Array<[string, number]> =>
      [...m].map(([k, v]) => [`{${label}="${esc(k)}"}`, v]);
    metric('voice_active_calls', 'gauge', 'Calls in progress.', [['', this.activeCalls]]);
    metric('voice_calls_started_total', 'counter', 'Calls started.', [['', this.callsStarted]]);
    metric(
      'voice_calls_ended_total',
      'counter',
      'Calls ended, by reason.',
      labelled('reason', this.callsEnded),
    );
    metric('voice_frames_in_total', 'counter', 'Caller media frames relayed to the model.', [
      ['', this.framesIn],
    ]);
    metric('voice_frames_out_total', 'counter', 'Model audio frames sent to the caller.', [
      ['', this.framesOut],
    ]);
    metric('voice_frames_malformed_total', 'counter', 'Inbound frames dropped as malformed.', [
      ['', this.framesMalformed],
    ]);
    metric(
      'voice_frames_before_session_total',
      'counter',
      'Caller frames dropped while no model session was ready (beyond the 1.5 s held for it).',
      [['', this.framesBeforeSession]],
    );
    metric('voice_frames_before_start_total', 'counter', 'Stream messages sent before start (ignored).', [
      ['', this.framesBeforeStart],
    ]);
    metric(
      'voice_oversized_frames_total',
      'counter',
      'Stream frames over MAX_FRAME_BYTES (closed with 1009).',
      [['', this.oversizedFrames]],
    );
    metric('voice_late_deltas_dropped_total', 'counter', 'Audio deltas of cancelled responses dropped.', [
      ['', this.lateDeltasDropped],
    ]);
    metric(
      'voice_oversized_deltas_total',
      'counter',
      'Model audio deltas over 200 ms, relayed in ~100 ms pieces with a mark each.',
      [['', this.oversizedDeltas]],
    );
    metric('voice_silence_filled_ms_total', 'counter', 'Silence inserted for inbound timestamp gaps.', [
      ['', this.silenceFilledMs],
    ]);
    metric('voice_barge_ins_total', 'counter', 'Caller interruptions handled.', [['', this.bargeIns]]);
    metric('voice_realtime_drops_total', 'counter', 'Realtime sockets that dropped mid-call.', [
      ['', this.realtimeDrops],
    ]);
    metric(
      'voice_realtime_reconnects_total',
      'counter',
      'Realtime reconnect attempts and outcomes (resumed, failed, dropped_early, gave_up, fatal).',
      labelled('outcome', this.realtimeReconnects),
    );
    metric(
      'voice_realtime_breaker_state',
      'gauge',
      'Realtime circuit breaker: 0 closed, 1 open (new calls get the fallback), 2 half-open.',
      [['', this.realtimeBreakerState]],
    );
    metric(
      'voice_breaker_fallbacks_total',
      'counter',
      'Calls answered with the fallback TwiML because the breaker was open.',
      [['', this.breakerFallbacks]],
    );
    metric(
      'voice_realtime_errors_total',
      'counter',
      'Realtime error events, by code.',
      labelled('code', this.realtimeErrors),
    );
    metric(
      'voice_realtime_events_dropped_total',
      'counter',
      'Realtime events dropped at the boundary (malformed, or a handler failed), by type and reason.',
      [...this.realtimeEventsDropped].map(([k, v]) => {
        const [type, reason] = k.split('|');
        return [`{type="${esc(type!)}",reason="${esc(reason!)}"}`, v];
      }),
    );
    metric(
      'voice_app_sync_dropped_total',
      'counter',
      'Transcript items app-server never got, by reason.',
      labelled('reason', this.appSyncDropped),
    );
    metric('voice_app_sync_queue_depth', 'gauge', 'Transcript messages waiting for app-server.', [
      ['', this.appSyncQueueDepth],
    ]);
    metric('voice_app_sync_retries_total', 'counter', 'Retried deliveries to app-server.', [
      ['', this.appSyncRetries],
    ]);
    metric(
      'voice_app_sync_provisional_tickets_total',
      'counter',
      'Tickets queued while app-server was down.',
      [['', this.appSyncProvisionalTickets]],
    );
    metric(
      'voice_ai_stale_answers_total',
      'counter',
      'Cached ai-server answers served during an outage.',
      labelled('method', this.aiStaleServed),
    );
    metric('voice_webhooks_refused_total', 'counter', 'Webhooks refused (bad signature).', [
      ['', this.webhooksRefused],
    ]);
    metric(
      'voice_webhooks_unusable_total',
      'counter',
      'Signed webhooks with an unusable field (not in service).',
      [['', this.webhooksUnusable]],
    );
    metric('voice_streams_refused_total', 'counter', 'Stream upgrades refused.', [['', this.streamsRefused]]);
    for (const [name, v] of Object.entries(extra)) metric(name, 'gauge', name, [['', v]]);
    return `${lines.join('\n')}\n`;
  }
}
