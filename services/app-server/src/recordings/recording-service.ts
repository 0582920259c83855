/**
 * Call recordings on conversations: stored when voice-server reports one, played to the brand's staff
 * (streamed from Twilio through app-server), deleted at Twilio by staff or when the brand's retention
 * ends (a periodic sweep). Every staff read goes through the brand-scoped conversation first.
 */
import { defineError, Errors, type Logger } from '@switchboard/service-kit';
import type { AppStore } from '../store/store.ts';
import type { CallRecording, RecordingInput, RecordingStore } from './recording-store.ts';
import type { MediaFormat, TwilioRecordings } from './twilio-recordings.ts';

export const RecordingErrors = {
  unavailable: defineError('RECORDINGS_UNAVAILABLE', 503),
  twilioFailed: defineError('TWILIO_FAILED', 502, true),
};

/** How many expired recordings one sweep deletes at most. */
const SWEEP_BATCH = 100;

export class RecordingService {
  constructor(
    private readonly store: AppStore,
    private readonly recordings: RecordingStore,
    private readonly twilio: TwilioRecordings | undefined,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** voice-server's report: the recording joins the call's conversation (404 for an unknown call). */
  async record(callSid: string, input: RecordingInput): Promise<CallRecording> {
    const conversation = await this.store.findConversationByCallSid(callSid);
    if (!conversation) throw Errors.notFound('no conversation for this call');
    return this.recordings.save(conversation.id, input);
  }

  /** The brand's playable recording of a conversation, or 404 (another brand's, none, deleted). */
  async playable(brandId: string, conversationId: string): Promise<CallRecording> {
    const conversation = await this.store.getConversation(brandId, conversationId);
    if (!conversation) throw Errors.notFound('no such conversation');
    const rec = await this.recordings.forConversation(conversation.id);
    if (!rec || rec.deletedAt || rec.status !== 'completed') throw Errors.notFound('no recording');
    return rec;
  }

  /** A conversation's recording for its detail view (deleted ones too), after the brand check. */
  async forConversation(conversationId: string): Promise<CallRecording | null> {
    return this.recordings.forConversation(conversationId);
  }

  /** Twilio's media response for the brand's recording (the caller streams its body). */
  async media(brandId: string, conversationId: string, format: MediaFormat): Promise<Response> {
    const rec = await this.playable(brandId, conversationId);
    if (!this.twilio) throw RecordingErrors.unavailable('recordings are not configured (TWILIO_*)');
    const res = await this.twilio.media(rec.accountSid, rec.recordingSid, format);
    if (res.status === 404) {
      await res.arrayBuffer();
      throw Errors.notFound('the recording is no longer at Twilio');
    }
    if (res.status !== 200 || !res.body) {
      await res.arrayBuffer();
      throw RecordingErrors.twilioFailed(`Twilio answered ${res.status}`);
    }
    return res;
  }

  /** Staff delete a recording now: at Twilio, then the link is cleared. */
  async deleteForStaff(brandId: string, conversationId: string, staffId: string): Promise<void> {
    const conversation = await this.store.getConversation(brandId, conversationId);
    if (!conversation) throw Errors.notFound('no such conversation');
    const rec = await this.recordings.forConversation(conversation.id);
    if (!rec || rec.deletedAt) throw Errors.notFound('no recording');
    await this.remove(rec, staffId);
  }

  /** Deletes the recordings whose brand's retention ran out; returns how many. Never throws. */
  async sweep(): Promise<number> {
    if (!this.twilio) return 0;
    let deleted = 0;
    let expired: CallRecording[];
    try {
      expired = await this.recordings.expired(this.now(), SWEEP_BATCH);
    } catch (err) {
      this.log.warn({ err: { message: (err as Error).message } }, 'recording retention sweep failed');
      return 0;
    }
    for (const rec of expired) {
      try {
        await this.remove(rec, 'retention');
        deleted++;
      } catch (err) {
        this.log.warn(
          { recordingSid: rec.recordingSid, err: { message: (err as Error).message } },
          'expired recording not deleted; next sweep tries again',
        );
      }
    }
    if (deleted) this.log.info({ deleted }, 'expired call recordings deleted');
    return deleted;
  }

  private async remove(rec: CallRecording, by: string): Promise<void> {
    // Absent and failed recordings have nothing at Twilio to delete.
    if (rec.status === 'completed') {
      if (!this.twilio) throw RecordingErrors.unavailable('recordings are not configured (TWILIO_*)');
      await this.twilio.remove(rec.accountSid, rec.recordingSid);
    }
    await this.recordings.markDeleted(rec.id, by, this.now());
    this.log.info(
      { recordingSid: rec.recordingSid, by: by === 'retention' ? by : 'staff' },
      'call recording deleted',
    );
  }
}

/** The recording as the conversation API shows it: where to play it, never Twilio's URL or SIDs. */
export function recordingDto(conversationId: string, rec: CallRecording | null) {
  if (!rec) return null;
  const playable = rec.status === 'completed' && !rec.deletedAt;
  return {
    status: rec.deletedAt ? 'deleted' : rec.status,
    durationSec: rec.durationSec,
    channels: rec.channels,
    startedAt: rec.startedAt?.toISOString() ?? null,
    deletedAt: rec.deletedAt?.toISOString() ?? null,
    url: playable ? `/api/conversations/${encodeURIComponent(conversationId)}/recording` : null,
  };
}
