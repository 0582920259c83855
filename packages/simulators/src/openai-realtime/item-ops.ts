/**
 * `conversation.item.retrieve`, `.delete` and `.truncate`: the operations on items already in the
 * conversation. Truncation follows the real API: assistant audio only (an item with no audio yet is
 * refused), never past the audio generated so far, and the server-side transcript is dropped. Both
 * refusals carry `param: null`, like the real API's other state errors.
 */
import { encodeBase64, formatBytesPerMs } from './audio-format.ts';
import { itemAudio } from './conversation.ts';
import { RealtimeProtocolError } from './errors.ts';
import type { SessionCore } from './session-core.ts';
import { heardPortion } from './text-units.ts';
import { expectNumber, expectString } from './validate.ts';

/** `conversation.item.retrieve`: the full item, with base64 `audio` for audio items. */
export function retrieveItem(core: SessionCore, event: Record<string, unknown>): void {
  const itemId = expectString(event.item_id, 'item_id');
  const record = core.conversation.find(itemId);
  if (!record) {
    throw new RealtimeProtocolError(
      'item_retrieve_invalid_item_id',
      `Item with item_id '${itemId}' not found.`,
      'item_id',
    );
  }
  const item = structuredClone(record.wire);
  if (record.audioFormat && Array.isArray(item.content)) {
    const part = (item.content as Record<string, unknown>[]).find(
      (c) => c.type === 'input_audio' || c.type === 'output_audio',
    );
    if (part) part.audio = encodeBase64(itemAudio(record));
  }
  core.out.send({ type: 'conversation.item.retrieved', item });
}

/** `conversation.item.delete`. */
export function deleteItem(core: SessionCore, event: Record<string, unknown>): void {
  const itemId = expectString(event.item_id, 'item_id');
  const at = core.conversation.indexOf(itemId);
  if (at < 0) {
    throw new RealtimeProtocolError(
      'item_delete_invalid_item_id',
      `Item with item_id '${itemId}' not found.`,
      'item_id',
    );
  }
  core.conversation.removeAt(at);
  core.out.send({ type: 'conversation.item.deleted', item_id: itemId });
}

/** `conversation.item.truncate`: cuts an assistant item's audio at what the caller heard. */
export function truncateItem(core: SessionCore, event: Record<string, unknown>): void {
  const itemId = expectString(event.item_id, 'item_id');
  const contentIndex = expectNumber(event.content_index, 'content_index', { min: 0, integer: true });
  const audioEndMs = expectNumber(event.audio_end_ms, 'audio_end_ms', { min: 0, integer: true });
  const record = core.conversation.find(itemId);
  if (!record) {
    throw new RealtimeProtocolError(
      'item_truncate_invalid_item_id',
      `Item with item_id '${itemId}' not found.`,
      'item_id',
    );
  }
  const content = Array.isArray(record.wire.content)
    ? (record.wire.content as Record<string, unknown>[])
    : [];
  const part = content[contentIndex];
  // an assistant audio item before its first delta has no audio yet, and is refused the same way
  // (livekit/agents#6157: truncating at 0 before any audio gets unsupported_content_type)
  if (
    record.wire.role !== 'assistant' ||
    !record.audioFormat ||
    part?.type !== 'output_audio' ||
    record.audioBytes === 0
  ) {
    throw new RealtimeProtocolError(
      'unsupported_content_type',
      'Only model output audio messages can be truncated',
      null,
    );
  }
  const bytesPerMs = formatBytesPerMs(record.audioFormat);
  const haveMs = record.audioBytes / bytesPerMs;
  if (audioEndMs > haveMs) {
    // the message the real API sends (twilio-samples/speech-assistant-openai-realtime-api-python#45)
    throw new RealtimeProtocolError(
      'invalid_value',
      `Audio content of ${Math.floor(haveMs)}ms is already shorter than ${audioEndMs}ms`,
      null,
    );
  }
  const keepBytes = Math.round(audioEndMs * bytesPerMs);
  const audio = itemAudio(record).slice(0, keepBytes);
  record.audioChunks = [audio];
  record.audioBytes = audio.length;
  record.truncatedAtMs = audioEndMs;
  record.heardText = heardPortion(record.text ?? '', audioEndMs, record.plannedAudioMs);
  // the real API drops the server-side transcript so the model never "remembers" unheard words
  part.transcript = '';
  core.out.send({
    type: 'conversation.item.truncated',
    item_id: itemId,
    content_index: contentIndex,
    audio_end_ms: audioEndMs,
  });
}
