/**
 * Input audio transcription, as the real API runs it: only when the session configures
 * `audio.input.transcription`, on a separate model, asynchronously after the commit (so the transcript
 * may arrive after the reply has started). It sends `conversation.item.input_audio_transcription.delta`
 * (word by word; whisper-1 sends the whole transcript in one delta) then `.completed` with the usage
 * the model bills by, or `.failed`; only then is the transcript attached to the user item. Shapes:
 * the GA schemas `RealtimeServerEventConversationItemInputAudioTranscription{Delta,Completed,Failed}`;
 * the failure's default error is the one the real API was seen to send (openai/openai-agents-js#297).
 */
import type { ItemRecord } from './conversation.ts';
import type { TranscriptionError, TurnTranscription } from './scenario.ts';
import type { SessionCore } from './session-core.ts';
import { splitWords, tokensForText } from './text-units.ts';
import { streamsIncrementally, type TranscriptionConfig } from './transcription-config.ts';

/** Schedules and sends a session's input transcripts. */
export class InputTranscriber {
  private readonly core: SessionCore;
  private readonly timers = new Set<unknown>();

  constructor(core: SessionCore) {
    this.core = core;
  }

  /**
   * A user audio item was committed from the input buffer. `spoken` is what the caller said (null:
   * nothing recognisable, which transcribes as ""), `turn` the scenario's script for this turn.
   */
  committed(
    record: ItemRecord,
    spoken: string | null,
    audioMs: number,
    turn: TurnTranscription | null,
  ): void {
    const config = this.core.config.audio.input.transcription;
    if (!config) return;
    const settings = structuredClone(config);
    const includeLogprobs =
      this.core.config.include?.includes('item.input_audio_transcription.logprobs') ?? false;
    const fails = turn?.fails ?? (this.core.faults.transcriptionFails ? true : undefined);
    const delayMs =
      turn?.delayMs ?? this.core.timing.transcriptionDelayMs(this.core.options.transcriptionDelayMs);
    const timer = this.core.clock.setTimeout(() => {
      this.timers.delete(timer);
      if (!this.core.out.isOpen) return;
      if (fails) this.fail(record, fails);
      else this.complete(record, spoken ?? '', audioMs, settings, includeLogprobs);
    }, delayMs);
    this.timers.add(timer);
  }

  /** Stops every pending transcript (the session closed). */
  stop(): void {
    for (const timer of this.timers) this.core.clock.clearTimeout(timer);
    this.timers.clear();
  }

  private fail(record: ItemRecord, fails: true | TranscriptionError): void {
    const scripted = fails === true ? {} : fails;
    this.core.out.send({
      type: 'conversation.item.input_audio_transcription.failed',
      item_id: record.id,
      content_index: 0,
      error: {
        type: scripted.type ?? 'server_error',
        code: scripted.code === undefined ? null : scripted.code,
        message: scripted.message ?? `Input transcription failed for item '${record.id}'.`,
        param: null,
      },
    });
  }

  private complete(
    record: ItemRecord,
    transcript: string,
    audioMs: number,
    config: TranscriptionConfig,
    includeLogprobs: boolean,
  ): void {
    const { out } = this.core;
    const ids = { item_id: record.id, content_index: 0 };
    const deltas = streamsIncrementally(config.model) ? splitWords(transcript) : [transcript];
    for (const delta of deltas) {
      if (delta === '') continue;
      out.send({
        type: 'conversation.item.input_audio_transcription.delta',
        ...ids,
        delta,
        ...(includeLogprobs ? { logprobs: logprobsOf(delta) } : {}),
      });
    }
    out.send({
      type: 'conversation.item.input_audio_transcription.completed',
      ...ids,
      transcript,
      ...(includeLogprobs ? { logprobs: logprobsOf(transcript) } : {}),
      usage: usageOf(config, transcript, audioMs),
    });
    // the transcript is attached to the item for reference once it exists (schema: `input_audio`)
    const part = (record.wire.content as Array<Record<string, unknown>> | undefined)?.[0];
    if (part) part.transcript = transcript;
    record.text = transcript;
  }
}

/** whisper-1 is billed by duration, the gpt-4o transcribe models by tokens (GA schema usage variants). */
function usageOf(config: TranscriptionConfig, transcript: string, audioMs: number) {
  if (!streamsIncrementally(config.model)) return { type: 'duration', seconds: Math.round(audioMs) / 1000 };
  const audioTokens = Math.ceil(audioMs / 100);
  const textTokens = tokensForText(transcript);
  return {
    type: 'tokens',
    total_tokens: audioTokens + textTokens,
    input_tokens: audioTokens,
    input_token_details: { text_tokens: 0, audio_tokens: audioTokens },
    output_tokens: textTokens,
  };
}

/** Confident log probabilities, one per word (the shape of `LogProbProperties`). */
function logprobsOf(text: string) {
  return splitWords(text)
    .filter((w) => w !== '')
    .map((token) => ({ token, logprob: -0.01, bytes: [...Buffer.from(token, 'utf8')] }));
}
