import type { Trace } from 'opik';
import type {
  CallTrace,
  SttTranscription,
  ToolRun,
  TracedResponse,
  TtsSynthesis,
  TurnWaterfall,
} from './call-tracer.ts';
import { costOf, type PriceTable, splitUsage } from './prices.ts';
import { speechPrice, sttCost, ttsCost } from './speech-prices.ts';

/** What a call's trace needs of the tracer: room in the bounded buffer. */
export interface TraceBuffer {
  /** Reserves room for `n` items; false (counted as dropped) when there is none. */
  admit(n: number): boolean;
}

export interface OpikCallTraceOptions {
  /** The Realtime model the call uses. */
  model: string;
  prices: PriceTable;
}

const round8 = (usd: number) => Math.round(usd * 1e8) / 1e8;

/**
 * One call's Opik trace: a child span per tool run, `response.done`, TTS synthesis, STT transcription
 * and agent turn; at the end, the call's cost in all and per provider (OpenAI, ElevenLabs, Cartesia),
 * and what could not be priced. Each method returns at once; the SDK sends in the background.
 */
export class OpikCallTrace implements CallTrace {
  private readonly costByProvider = new Map<string, number>();
  private readonly unpriced = new Set<string>();
  private tokens = 0;

  constructor(
    private readonly trace: Trace,
    private readonly buffer: TraceBuffer,
    private readonly opts: OpikCallTraceOptions,
    private readonly metadata: Record<string, unknown>,
  ) {
    // The Realtime model is billed by OpenAI on every call, even one that never got a response.
    this.costByProvider.set('openai', 0);
  }

  get traceId(): string {
    return this.trace.data.id;
  }

  toolRan(run: ToolRun): void {
    if (!this.buffer.admit(1)) return;
    const endTime = new Date();
    this.trace.span({
      name: `tool ${run.call.name}`,
      type: 'tool',
      startTime: new Date(endTime.getTime() - run.durationMs),
      endTime,
      input: { arguments: run.args as Record<string, unknown> },
      output: { result: run.output as Record<string, unknown> },
      metadata: { durationMs: run.durationMs, ok: run.ok, callId: run.call.callId },
    });
  }

  responseDone(response: TracedResponse): void {
    if (!response.usage || !this.buffer.admit(1)) return;
    const split = splitUsage(response.usage);
    const { realtime } = this.opts.prices;
    const cost = costOf(
      split,
      Object.hasOwn(realtime, this.opts.model) ? realtime[this.opts.model] : undefined,
    );
    this.addCost('openai', this.opts.model, cost);
    this.tokens += split.total;
    const now = new Date();
    this.trace.span({
      name: 'response.done',
      type: 'llm',
      startTime: now,
      endTime: now,
      model: this.opts.model,
      provider: 'openai',
      usage: {
        prompt_tokens: response.usage.input_tokens ?? 0,
        completion_tokens: response.usage.output_tokens ?? 0,
        total_tokens: split.total,
        input_text_tokens: split.textInput,
        input_cached_text_tokens: split.cachedTextInput,
        input_audio_tokens: split.audioInput,
        input_cached_audio_tokens: split.cachedAudioInput,
        output_text_tokens: split.textOutput,
        output_audio_tokens: split.audioOutput,
      },
      ...(cost !== undefined ? { totalEstimatedCost: cost } : {}),
      metadata: { responseId: response.id ?? null, status: response.status ?? null },
    });
  }

  ttsSynthesized(s: TtsSynthesis): void {
    if (!this.buffer.admit(1)) return;
    const characters = bounded(s.characters, MAX_COUNT);
    const durationMs = bounded(s.durationMs, MAX_MS);
    const cost = ttsCost(speechPrice(this.opts.prices.tts, s.provider, s.model), characters);
    this.addCost(s.provider, s.model ?? 'tts', cost);
    const endTime = new Date();
    this.trace.span({
      name: `tts ${s.provider}`,
      type: 'general',
      startTime: new Date(endTime.getTime() - durationMs),
      endTime,
      provider: s.provider,
      ...(s.model ? { model: s.model } : {}),
      input: { characters },
      output: { firstAudioMs: s.firstAudioMs ?? null },
      ...(cost !== undefined ? { totalEstimatedCost: cost } : {}),
      metadata: {
        kind: 'tts',
        voiceId: s.voiceId,
        characters,
        firstAudioMs: s.firstAudioMs ?? null,
        durationMs,
      },
    });
  }

  sttTranscribed(t: SttTranscription): void {
    if (!this.buffer.admit(1)) return;
    const audioSeconds = bounded(t.audioSeconds, MAX_MS / 1000);
    const latencyMs = bounded(t.latencyMs, MAX_MS);
    const cost = sttCost(speechPrice(this.opts.prices.stt, t.provider, t.model), audioSeconds);
    this.addCost(t.provider, t.model, cost);
    const endTime = new Date();
    this.trace.span({
      name: `stt ${t.provider}`,
      type: 'general',
      startTime: new Date(endTime.getTime() - latencyMs),
      endTime,
      provider: t.provider,
      model: t.model,
      input: { audioSeconds },
      output: { outcome: t.outcome },
      ...(cost !== undefined ? { totalEstimatedCost: cost } : {}),
      metadata: {
        kind: 'stt',
        audioSeconds,
        latencyMs,
        outcome: t.outcome,
        ...(t.errorCode ? { errorCode: t.errorCode } : {}),
      },
    });
  }

  turnLatency(w: TurnWaterfall): void {
    if (!this.buffer.admit(1)) return;
    const figures = waterfallFigures(w);
    const now = Date.now();
    // A clock reading Opik cannot date (or from another day) is replaced by "now, less the turn".
    const stoppedAt =
      Math.abs(w.speechStoppedAt - now) <= MAX_MS ? w.speechStoppedAt : now - figures.firstFrameMs!;
    this.trace.span({
      name: 'turn',
      type: 'general',
      startTime: new Date(stoppedAt),
      endTime: new Date(stoppedAt + figures.firstFrameMs!),
      metadata: { kind: 'turn', itemId: w.itemId, ...figures },
    });
  }

  end(summary: { endReason: string; durationSec: number }): void {
    if (!this.buffer.admit(1)) return;
    let total = 0;
    for (const usd of this.costByProvider.values()) total += usd;
    this.trace.update({
      output: { endReason: summary.endReason, durationSec: summary.durationSec },
      metadata: {
        ...this.metadata,
        cost: {
          currency: 'USD',
          total: round8(total),
          byProvider: Object.fromEntries([...this.costByProvider].map(([p, usd]) => [p, round8(usd)])),
          ...(this.unpriced.size ? { unpriced: [...this.unpriced] } : {}),
          // Kept for readers of the first version of this field.
          ...(this.unpriced.has(`openai/${this.opts.model}`) ? { unpricedModel: this.opts.model } : {}),
        },
        tokens: this.tokens,
      },
      endTime: new Date(),
    });
  }

  private addCost(provider: string, model: string, usd: number | undefined): void {
    if (usd === undefined) {
      this.unpriced.add(`${provider}/${model}`);
      return;
    }
    this.costByProvider.set(provider, (this.costByProvider.get(provider) ?? 0) + usd);
  }
}

/** A turn's figures for a span's metadata or attributes: only those measured, in whole ms. */
export function waterfallFigures(w: TurnWaterfall): Record<string, number> {
  const ms = (n: number) => Math.round(bounded(n, MAX_MS));
  const out: Record<string, number> = { firstFrameMs: ms(w.firstFrameMs) };
  if (w.firstAudioMs !== undefined) out.firstAudioMs = ms(w.firstAudioMs);
  if (w.firstTextMs !== undefined) out.firstTextMs = ms(w.firstTextMs);
  if (w.firstSynthMs !== undefined) out.firstSynthMs = ms(w.firstSynthMs);
  return out;
}

/** Longest duration a span records: a day (a longer one is a broken clock, not a call). */
const MAX_MS = 86_400_000;
/** Most characters one synthesis records. */
const MAX_COUNT = 1e9;

/**
 * A figure as a span can hold it: a number from 0 to `max` (NaN and negatives become 0). One date
 * Opik cannot write would lose the whole batch it travels in, other calls' spans with it.
 */
function bounded(n: number, max: number): number {
  return typeof n === 'number' && n > 0 ? Math.min(n, max) : 0;
}
