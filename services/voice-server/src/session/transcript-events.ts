import type { RealtimeServerEvent } from '@switchboard/realtime';
import type { CallerTurnAudio } from '../speech/caller-turn-audio.ts';
import type { ResponseQueue } from './response-queue.ts';
import type { Transcript } from './transcript.ts';

/**
 * Keeps the transcript from Realtime events: an entry opens when an item first appears (a committed
 * caller turn, an agent output item), so conversation order holds while texts arrive later; texts
 * finalize it. Also measures each reply's latency (caller speech stopped → first audio delta).
 */
export class TranscriptEvents {
  private speechStoppedAt: number | undefined;
  private readonly firstAudioSeen = new Set<string>();

  constructor(
    private readonly transcript: Transcript,
    private readonly responses: ResponseQueue,
    private readonly now: () => number,
    /** Keeps each caller turn's audio until its words are known. */
    private readonly turnAudio?: CallerTurnAudio,
    /** A caller turn's transcript came (or failed). */
    private readonly onCallerText: () => void = () => {},
    /** Told each reply's latency (caller speech stopped → first audio delta), in ms. */
    private readonly onTurnLatency: (ms: number) => void = () => {},
    /** The Realtime transcript of caller turn `itemId` came or failed (an external one may fill it in). */
    private readonly onRealtimeCallerText: (itemId: string) => void = () => {},
  ) {}

  onSpeechStarted(itemId: string, audioStartMs: unknown): void {
    if (typeof audioStartMs === 'number' && Number.isFinite(audioStartMs))
      this.turnAudio?.onSpeechStarted(itemId, audioStartMs);
  }

  onSpeechStopped(itemId?: string, audioEndMs?: unknown): void {
    this.speechStoppedAt = this.now();
    if (itemId !== undefined && typeof audioEndMs === 'number' && Number.isFinite(audioEndMs))
      this.turnAudio?.onSpeechStopped(itemId, audioEndMs);
  }

  /** An audio delta of `itemId` is going out (cheap after the first one). */
  onAgentAudio(itemId: string): void {
    if (this.firstAudioSeen.has(itemId)) return;
    this.firstAudioSeen.add(itemId);
    if (this.speechStoppedAt !== undefined) {
      const msg = this.transcript.get(itemId);
      const responseMs = this.now() - this.speechStoppedAt;
      if (msg) msg.latency = { responseMs: Math.round(responseMs) };
      this.speechStoppedAt = undefined;
      this.onTurnLatency(responseMs);
    }
  }

  /** Handles the transcript's events; false for any other event. */
  onEvent(ev: RealtimeServerEvent): boolean {
    const { transcript } = this;
    switch (ev.type) {
      case 'response.output_item.added':
        if (ev.item.type === 'message' && ev.item.id) transcript.open(ev.item.id, 'agent', new Date());
        return true;
      case 'response.output_audio_transcript.done': {
        const cancelled = this.responses.isCancelled(ev.response_id);
        transcript.open(ev.item_id, 'agent', new Date());
        transcript.finalize(ev.item_id, ev.transcript, cancelled ? { interrupted: true } : {});
        return true;
      }
      case 'response.output_text.done': {
        // A text response (the external voice speaks it): its text is the agent's words.
        const cancelled = this.responses.isCancelled(ev.response_id);
        transcript.open(ev.item_id, 'agent', new Date());
        transcript.finalize(ev.item_id, ev.text, cancelled ? { interrupted: true } : {});
        return true;
      }
      case 'input_audio_buffer.committed':
        transcript.open(ev.item_id, 'caller', new Date());
        this.turnAudio?.onCommitted(ev.item_id);
        return true;
      case 'input_audio_buffer.cleared':
        this.turnAudio?.onCleared();
        return true;
      case 'conversation.item.input_audio_transcription.completed':
        transcript.finalize(ev.item_id, ev.transcript, { source: 'realtime' });
        this.turnAudio?.forget(ev.item_id);
        this.onCallerText();
        this.onRealtimeCallerText(ev.item_id);
        return true;
      case 'conversation.item.input_audio_transcription.failed':
        // The turn stays on the conversation, in its place, marked: never dropped.
        transcript.open(ev.item_id, 'caller', new Date());
        transcript.finalize(ev.item_id, null, { source: 'realtime', transcription: 'failed' });
        this.onCallerText();
        this.onRealtimeCallerText(ev.item_id);
        return true;
      case 'conversation.item.done': {
        const item = ev.item;
        if (item.type === 'message' && item.role === 'user' && item.id && transcript.get(item.id)) {
          const part = item.content?.find((c) => 'transcript' in c && c.transcript);
          const text = part && 'transcript' in part ? (part.transcript ?? null) : null;
          if (text) transcript.finalize(item.id, text);
        }
        return true;
      }
      default:
        return false;
    }
  }
}
