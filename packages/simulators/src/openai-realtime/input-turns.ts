/**
 * Input audio and turn handling: `input_audio_buffer.append|commit|clear`, the VAD that turns caller
 * audio into `speech_started` / `speech_stopped` (barge-in, then a user item and an automatic
 * response), and the server VAD's idle timeout.
 */

import { recognizeSpeech } from '../speech/recognize.ts';
import {
  decodeBase64Strict,
  decodeToPcm16,
  formatBytesPerMs,
  formatSampleRate,
  type RealtimeAudioFormat,
} from './audio-format.ts';
import { announceItem, newItemRecord } from './conversation.ts';
import { RealtimeProtocolError } from './errors.ts';
import { newId } from './ids.ts';
import type { InputTranscriber } from './input-transcription.ts';
import { defaultResponseParams } from './response-params.ts';
import type { ResponseRunner } from './responses.ts';
import type { SimSessionConfig } from './session-config.ts';
import type { SessionCore } from './session-core.ts';
import type { TurnDetectionConfig } from './turn-detection.ts';
import { EnergyVad } from './vad.ts';
import { expectString } from './validate.ts';

/** Input kept while nobody speaks under VAD (older audio is dropped to bound memory). */
const IDLE_BUFFER_KEEP_MS = 30_000;
const IDLE_BUFFER_SLACK_MS = 10_000;
/** The real API refuses to commit less than this. */
const MIN_COMMIT_MS = 100;
/** Silence that ends a turn under semantic VAD, by eagerness (the real one decides semantically). */
const SEMANTIC_SILENCE_MS = { low: 1500, medium: 800, auto: 800, high: 400 } as const;

/** The caller's side of a session: buffer, VAD, commits and the idle timeout. */
export class InputTurns {
  private readonly core: SessionCore;
  private readonly responses: ResponseRunner;
  private readonly transcriber: InputTranscriber;
  private vad: EnergyVad | null = null;
  private speech: { itemId: string; audioStartMs: number } | null = null;
  private idleArmedAtMs: number | null = null;

  constructor(core: SessionCore, responses: ResponseRunner, transcriber: InputTranscriber) {
    this.core = core;
    this.responses = responses;
    this.transcriber = transcriber;
    responses.onFinished = (replyEndInputMs) => {
      this.idleArmedAtMs = replyEndInputMs;
    };
    this.rebuildVad();
  }

  /** A `session.update` was applied: a new input format or turn detection restarts the VAD. */
  configChanged(previous: SimSessionConfig, next: SimSessionConfig): void {
    if (JSON.stringify(previous.audio.input.format) !== JSON.stringify(next.audio.input.format)) {
      this.core.buffer.setFormat(next.audio.input.format);
      this.speech = null;
      this.rebuildVad();
    } else if (
      JSON.stringify(previous.audio.input.turn_detection) !== JSON.stringify(next.audio.input.turn_detection)
    ) {
      this.speech = null;
      this.rebuildVad();
    }
  }

  /** `input_audio_buffer.append`. */
  append(event: Record<string, unknown>): void {
    const { buffer } = this.core;
    const text = expectString(event.audio, 'audio');
    const audio = decodeBase64Strict(text);
    if (!audio) {
      throw new RealtimeProtocolError(
        'invalid_value',
        "Invalid 'audio'. Expected base64-encoded audio bytes, but got invalid data.",
        'audio',
      );
    }
    buffer.append(audio);
    const vad = this.vad;
    if (!vad) return;
    const format = buffer.audioFormat;
    for (const vadEvent of vad.process(decodeToPcm16(audio, format), formatSampleRate(format))) {
      if (vadEvent.type === 'speech_started') this.speechStarted(vadEvent.audioStartMs);
      else this.speechStopped(vadEvent.audioEndMs);
    }
    if (!this.speech) {
      this.checkIdleTimeout();
      if (buffer.durationMs > IDLE_BUFFER_KEEP_MS + IDLE_BUFFER_SLACK_MS)
        buffer.keepLast(IDLE_BUFFER_KEEP_MS);
    }
  }

  /** `input_audio_buffer.commit`. */
  commit(): void {
    const { buffer } = this.core;
    const durationMs = buffer.durationMs;
    if (durationMs < MIN_COMMIT_MS) {
      throw new RealtimeProtocolError(
        'input_audio_buffer_commit_empty',
        `Error committing input audio buffer: buffer too small. Expected at least ${MIN_COMMIT_MS}ms of audio, but buffer only has ${durationMs.toFixed(2)}ms of audio.`,
        null,
      );
    }
    const itemId = this.speech?.itemId ?? newId('item');
    this.speech = null;
    this.vad?.reset();
    this.commitUserAudio(itemId, buffer.startMs, buffer.endMs, 'manual');
  }

  /** `input_audio_buffer.clear`. */
  clear(): void {
    this.core.buffer.clear();
    this.speech = null;
    this.vad?.reset();
    this.core.out.send({ type: 'input_audio_buffer.cleared' });
  }

  private rebuildVad(): void {
    const td = this.core.config.audio.input.turn_detection;
    this.vad = td ? new EnergyVad(vadOptions(td), this.core.buffer.endMs) : null;
  }

  private speechStarted(audioStartMs: number): void {
    const itemId = newId('item');
    const start = Math.max(audioStartMs, this.core.buffer.startMs);
    this.speech = { itemId, audioStartMs: start };
    this.idleArmedAtMs = null;
    this.core.out.send({
      type: 'input_audio_buffer.speech_started',
      audio_start_ms: Math.round(start),
      item_id: itemId,
    });
    if (this.core.config.audio.input.turn_detection?.interrupt_response) this.responses.interruptForSpeech();
  }

  private speechStopped(audioEndMs: number): void {
    const speech = this.speech;
    if (!speech) return;
    this.speech = null;
    this.core.out.send({
      type: 'input_audio_buffer.speech_stopped',
      audio_end_ms: Math.round(audioEndMs),
      item_id: speech.itemId,
    });
    this.commitUserAudio(speech.itemId, speech.audioStartMs, audioEndMs, 'vad');
    if (this.core.config.audio.input.turn_detection?.create_response) this.responses.answerUserTurn();
  }

  private commitUserAudio(
    itemId: string,
    fromMs: number,
    toMs: number,
    cause: 'vad' | 'manual' | 'idle',
  ): void {
    const { buffer, conversation, out, player } = this.core;
    const format = buffer.audioFormat;
    const audio = buffer.take(fromMs, toMs);
    const scripted = cause === 'idle' ? null : player.userAudioCommitted();
    const turn = cause === 'idle' ? null : player.lastAudioTurn;
    // a scripted line wins; otherwise simulated speech in the audio is what the caller said
    const spoken = scripted ?? (cause === 'idle' ? null : spokenText(audio, format));
    // the committed item carries no transcript: only an input transcription (if enabled) attaches one
    const record = newItemRecord(itemId, {
      id: itemId,
      object: 'realtime.item',
      type: 'message',
      status: 'completed',
      role: 'user',
      content: [{ type: 'input_audio', transcript: null }],
    });
    record.audioChunks = [audio];
    record.audioBytes = audio.length;
    record.audioFormat = format;
    record.spokenText = spoken;
    const previous = conversation.append(record);
    out.send({ type: 'input_audio_buffer.committed', previous_item_id: previous, item_id: itemId });
    announceItem(out, previous, record.wire);
    this.transcriber.committed(
      record,
      spoken,
      audio.length / formatBytesPerMs(format),
      turn?.transcription ?? null,
    );
  }

  private checkIdleTimeout(): void {
    const td = this.core.config.audio.input.turn_detection;
    if (td?.type !== 'server_vad' || td.idle_timeout_ms === null) return;
    const armedAt = this.idleArmedAtMs;
    if (armedAt === null || this.responses.isActive) return;
    const now = this.core.buffer.endMs;
    if (now < armedAt + td.idle_timeout_ms) return;
    this.idleArmedAtMs = null;
    const itemId = newId('item');
    this.core.out.send({
      type: 'input_audio_buffer.timeout_triggered',
      audio_start_ms: Math.round(armedAt),
      audio_end_ms: Math.round(now),
      item_id: itemId,
    });
    this.commitUserAudio(itemId, Math.max(armedAt, this.core.buffer.startMs), now, 'idle');
    this.responses.start(this.core.player.idleReply(), defaultResponseParams(this.core.config));
  }
}

/** The words of simulated speech in `audio`, or null when it carries none (a tone, noise). */
function spokenText(audio: Uint8Array, format: RealtimeAudioFormat): string | null {
  const text = recognizeSpeech(decodeToPcm16(audio, format), formatSampleRate(format)).text;
  return text === '' ? null : text;
}

function vadOptions(td: TurnDetectionConfig) {
  if (td.type === 'server_vad') {
    return {
      threshold: td.threshold,
      prefixPaddingMs: td.prefix_padding_ms,
      silenceDurationMs: td.silence_duration_ms,
    };
  }
  return { threshold: 0.5, prefixPaddingMs: 300, silenceDurationMs: SEMANTIC_SILENCE_MS[td.eagerness] };
}
