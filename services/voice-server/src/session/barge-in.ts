import type { RealtimeConnection } from '@switchboard/realtime';
import type { Logger } from '@switchboard/service-kit';
import type { VoiceMetrics } from '../metrics.ts';
import type { AudioOut } from './audio-out.ts';
import { isLocalAudio, type LiveSession, type TtsControl } from './call-types.ts';
import type { HeardPosition, PlaybackTracker } from './playback-tracker.ts';
import type { ResponseQueue } from './response-queue.ts';
import type { Transcript } from './transcript.ts';

export interface BargeInDeps {
  realtime: LiveSession;
  playback: PlaybackTracker;
  responses: ResponseQueue;
  audioOut: AudioOut;
  transcript: Transcript;
  tts?: TtsControl;
  /** Told first on barge-in, before the agent is cut off (thinking sound, call actions). */
  onInterrupted: () => void;
  /** The caller spoke (the inactivity watchdog starts over). */
  onCallerActivity: () => void;
  metrics: VoiceMetrics;
  log: Logger;
}

/**
 * Barge-in: when the caller starts talking over the agent, in the same tick, external TTS is cancelled,
 * the model's response is cancelled (if one is active) and Twilio's buffer is cleared; then the item the
 * caller was hearing is truncated at what they heard (never past what was sent) and items they never
 * heard are deleted. Also knows whether the caller is speaking.
 */
export class BargeIn {
  private speaking = false;

  constructor(private readonly deps: BargeInDeps) {}

  get callerSpeaking(): boolean {
    return this.speaking;
  }

  onSpeechStarted(): void {
    this.speaking = true;
    this.deps.onCallerActivity();
    this.bargeIn();
  }

  onSpeechStopped(): void {
    this.speaking = false;
    this.deps.onCallerActivity();
  }

  /**
   * Stops the agent mid-sentence: cancels the active response, clears Twilio's buffer, truncates the
   * item being heard at what was heard (never past what was sent) and deletes items never heard.
   * `cut` are external-voice turns cancelled before they were heard (their text items are deleted).
   */
  interrupt(
    rt: RealtimeConnection,
    heard = this.deps.playback.heardPosition(),
    cut: readonly string[] = this.cancelTts(),
  ): void {
    const { responses, audioOut, transcript, tts } = this.deps;
    if (responses.cancelActive()) rt.send({ type: 'response.cancel' });
    const unheard = new Set(cut);
    if (heard) {
      audioOut.clear();
      unheard.delete(heard.itemId);
      for (const itemId of heard.unheardItemIds) unheard.add(itemId);
      const spoken = isLocalAudio(heard.itemId)
        ? undefined
        : // The words heard end where a word ends: no space the caller never heard the next word after.
          tts?.heardText?.(heard.itemId, heard.audioEndMs)?.trim();
      if (spoken !== undefined) this.keepHeardText(rt, heard.itemId, spoken);
      else if (heard.audioEndMs > 0 && !isLocalAudio(heard.itemId)) {
        rt.send({
          type: 'conversation.item.truncate',
          item_id: heard.itemId,
          content_index: 0,
          // Never past what was sent: the playback tracker's position is bounded by it.
          audio_end_ms: heard.audioEndMs,
        });
      }
      transcript.markInterrupted(heard.itemId, heard.audioEndMs, heard.sentMs, spoken);
    }
    for (const itemId of unheard)
      if (!isLocalAudio(itemId)) rt.send({ type: 'conversation.item.delete', item_id: itemId });
  }

  /**
   * An external-voice turn is a text item, which the API cannot truncate: the words the caller heard
   * take its place (a new assistant item right after it, then the old one deleted).
   */
  private keepHeardText(rt: RealtimeConnection, itemId: string, text: string): void {
    if (text) {
      rt.send({
        type: 'conversation.item.create',
        previous_item_id: itemId,
        item: { type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] },
      });
    }
    rt.send({ type: 'conversation.item.delete', item_id: itemId });
  }

  private cancelTts(): readonly string[] {
    return this.deps.tts?.cancel() ?? [];
  }

  private bargeIn(): void {
    const { metrics, tts, playback, responses } = this.deps;
    const rt = this.deps.realtime.current;
    if (!rt) return;
    const startedAt = performance.now();
    const heard: HeardPosition | undefined = playback.heardPosition();
    const responding = responses.isActive;
    // A response asked for but not yet created is as good as started: it is cancelled on creation.
    const withdrawn = !responding && responses.withdrawInFlight();
    // The external voice may still be speaking a finished response (nothing of it sent yet).
    const speaking = tts?.busy ?? false;
    if (!heard && !responding && !withdrawn && !speaking) return;
    metrics.bargeIns++;
    const cut = this.cancelTts();
    if (responding) responses.onCallerTurn();
    this.deps.onInterrupted();
    this.interrupt(rt, heard, cut);
    metrics.bargeInLatency.observe((performance.now() - startedAt) / 1000);
    this.deps.log.info(
      {
        heardMs: heard?.audioEndMs ?? 0,
        cancelled: responding,
        withdrawn,
        unheardItems: heard?.unheardItemIds.length ?? 0,
      },
      'barge-in',
    );
  }
}
