/**
 * Streaming a response's output items: the assistant message (audio with its transcript, or text)
 * and each function call, with the real API's event order. Audio is paced, cut short by a cancel,
 * and can drop the socket mid-way when the fault plan says so.
 */

import { type ActiveResponse, endAsScripted, outputTokensSoFar } from './active-response.ts';
import { encodeBase64, formatBytesPerMs, type RealtimeAudioFormat } from './audio-format.ts';
import { type ItemRecord, newItemRecord } from './conversation.ts';
import { newId } from './ids.ts';
import { pacedDurationMs } from './pacing.ts';
import type { PlannedToolCall } from './scenario.ts';
import type { SessionCore } from './session-core.ts';
import { splitArguments, splitWords, tokensForText } from './text-units.ts';

/** A reply's audio is never shorter than this. */
const MIN_REPLY_AUDIO_MS = 200;

/**
 * Streams the assistant message: announced at once, its first delta after `firstDeltaWaitMs` (which a
 * cancel cuts short). False when the socket was dropped mid-way (a fault).
 */
export async function streamMessage(
  core: SessionCore,
  r: ActiveResponse,
  outputIndex: number,
  firstDeltaWaitMs = 0,
): Promise<boolean> {
  const { out } = core;
  const itemId = newId('item');
  const audioMode = r.modalities[0] === 'audio';
  const record = newItemRecord(itemId, {
    id: itemId,
    object: 'realtime.item',
    type: 'message',
    status: 'in_progress',
    role: 'assistant',
    content: [],
  });
  record.text = r.plan.text;
  const previous = addResponseItem(core, r, record);
  announceOutputItem(core, r, outputIndex, previous, record, 'added');
  const ids = { response_id: r.id, item_id: itemId, output_index: outputIndex, content_index: 0 };
  out.send({
    type: 'response.content_part.added',
    ...ids,
    part: audioMode ? { type: 'audio', transcript: '' } : { type: 'text', text: '' },
  });
  if (firstDeltaWaitMs > 0 && !r.cancel) await r.sleeper.sleep(firstDeltaWaitMs);
  const words = splitWords(r.plan.text);
  let wordsSent = 0;
  let part: Record<string, unknown>;
  if (audioMode) {
    record.audioFormat = r.format;
    // The content part exists from content_part.added on, so an item still being generated can be truncated.
    record.wire.content = [{ type: 'output_audio', transcript: '' }];
    const speed = r.speed;
    const bytesPerMs = formatBytesPerMs(r.format);
    const oversized = core.faults.oversizedAudioDeltas;
    const chunkMs = oversized
      ? alignedBytes(oversized.bytes, r.format) / bytesPerMs
      : core.options.audioChunkMs;
    const plannedMs =
      r.plan.audioMs ?? Math.max(MIN_REPLY_AUDIO_MS, (r.plan.text.length * core.player.msPerChar) / speed);
    // an oversized delta is sent whole: the reply is at least one delta long
    const durationMs = oversized ? Math.max(plannedMs, chunkMs) : plannedMs;
    const audio = core.options.replyAudio.render(durationMs, r.format);
    record.plannedAudioMs = audio.length / bytesPerMs;
    const cutAtMs =
      r.ending?.atAudioMs === 'half' ? record.plannedAudioMs / 2 : (r.ending?.atAudioMs ?? null);
    const pacing = r.timing?.audioSpeed ?? core.options.pacing;
    const chunkBytes = alignedBytes(Math.round(chunkMs * bytesPerMs), r.format);
    const chunkCount = Math.ceil(audio.length / chunkBytes);
    const startedAt = core.clock.now();
    for (let i = 0; i < chunkCount; i++) {
      if (!out.isOpen) return false;
      if (r.cancel) {
        if (r.cancel.lateDeltas <= 0) break;
        r.cancel.lateDeltas--;
      } else if (stopsHere(r, cutAtMs)) break;
      const due = Math.ceil(((i + 1) * words.length) / chunkCount);
      if (due > wordsSent) {
        const delta = words.slice(wordsSent, due).join('');
        wordsSent = due;
        r.textSent += delta;
        out.send({ type: 'response.output_audio_transcript.delta', ...ids, delta });
      }
      const chunk = audio.subarray(i * chunkBytes, Math.min(audio.length, (i + 1) * chunkBytes));
      out.send({ type: 'response.output_audio.delta', ...ids, delta: encodeBase64(chunk) });
      if (record.truncatedAtMs === null) {
        record.audioChunks.push(chunk);
        record.audioBytes += chunk.length;
      }
      r.audioMsSent += chunk.length / bytesPerMs;
      core.audioDeltasSent++;
      const drop = core.faults.dropSocket;
      if (drop && core.audioDeltasSent >= drop.afterAudioDeltas) {
        core.dropSocket(drop.mode);
        return false;
      }
      if (!r.cancel) {
        const target = startedAt + pacedDurationMs(pacing, (i + 1) * chunkMs);
        await r.sleeper.sleep(Math.max(0, target - core.clock.now()));
      }
    }
    if (!out.isOpen) return false;
    if (!r.cancel && !r.ended && wordsSent < words.length) {
      const delta = words.slice(wordsSent).join('');
      r.textSent += delta;
      out.send({ type: 'response.output_audio_transcript.delta', ...ids, delta });
    }
    const transcript = r.cancel || r.ended ? r.textSent : r.plan.text;
    out.send({ type: 'response.output_audio.done', ...ids });
    out.send({ type: 'response.output_audio_transcript.done', ...ids, transcript });
    part = { type: 'audio', transcript };
    // A truncated item keeps the empty server-side transcript the truncate left.
    record.wire.content = [
      { type: 'output_audio', transcript: record.truncatedAtMs === null ? transcript : '' },
    ];
  } else {
    const cutAtWord = r.ending ? Math.floor(words.length / 2) : null;
    for (const [i, word] of words.entries()) {
      if (r.cancel || !out.isOpen) break;
      if (stopsHere(r, cutAtWord === null || i < cutAtWord ? null : 0)) break;
      r.textSent += word;
      out.send({ type: 'response.output_text.delta', ...ids, delta: word });
      await r.sleeper.sleep(0);
    }
    if (!out.isOpen) return false;
    const text = r.cancel || r.ended ? r.textSent : r.plan.text;
    out.send({ type: 'response.output_text.done', ...ids, text });
    part = { type: 'text', text };
    record.wire.content = [{ type: 'output_text', text }];
  }
  record.wire.status = r.cancel || r.ended ? 'incomplete' : 'completed';
  out.send({ type: 'response.content_part.done', ...ids, part });
  announceOutputItem(core, r, outputIndex, previous, record, 'done');
  return true;
}

/** Streams one function call item: added, argument deltas, done. */
export async function streamFunctionCall(
  core: SessionCore,
  r: ActiveResponse,
  call: PlannedToolCall,
  outputIndex: number,
): Promise<void> {
  const { out } = core;
  const itemId = newId('item');
  const record = newItemRecord(itemId, {
    id: itemId,
    object: 'realtime.item',
    type: 'function_call',
    status: 'in_progress',
    name: call.name,
    call_id: call.callId,
    arguments: '',
  });
  const previous = addResponseItem(core, r, record);
  announceOutputItem(core, r, outputIndex, previous, record, 'added');
  const ids = { response_id: r.id, item_id: itemId, output_index: outputIndex, call_id: call.callId };
  for (const delta of splitArguments(call.arguments)) {
    out.send({ type: 'response.function_call_arguments.delta', ...ids, delta });
    await r.sleeper.sleep(0);
    if (!out.isOpen) return;
  }
  out.send({
    type: 'response.function_call_arguments.done',
    ...ids,
    name: call.name,
    arguments: call.arguments,
  });
  record.wire.status = 'completed';
  record.wire.arguments = call.arguments;
  r.textSent += call.arguments;
  announceOutputItem(core, r, outputIndex, previous, record, 'done');
}

/** Adds an output item to the response and (unless out-of-band) the conversation. */
function addResponseItem(core: SessionCore, r: ActiveResponse, record: ItemRecord): string | null {
  r.output.push(record);
  if (r.conversation !== 'auto') return null;
  return core.conversation.append(record);
}

/** `response.output_item.added|done`, then (unless out-of-band) `conversation.item.added|done`. */
function announceOutputItem(
  core: SessionCore,
  r: ActiveResponse,
  outputIndex: number,
  previous: string | null,
  record: ItemRecord,
  stage: 'added' | 'done',
): void {
  core.out.send({
    type: stage === 'added' ? 'response.output_item.added' : 'response.output_item.done',
    response_id: r.id,
    output_index: outputIndex,
    item: structuredClone(record.wire),
  });
  if (r.conversation !== 'auto') return;
  core.out.send({
    type: stage === 'added' ? 'conversation.item.added' : 'conversation.item.done',
    previous_item_id: previous,
    item: structuredClone(record.wire),
  });
}

/**
 * True when the response stops before its next delta: its scripted end is reached (`cutAtMs` of audio
 * sent), or its `max_output_tokens` is used up, which the real API reports as `incomplete`.
 */
function stopsHere(r: ActiveResponse, cutAtMs: number | null): boolean {
  if (r.ended) return true;
  if (r.ending && cutAtMs !== null && r.audioMsSent >= cutAtMs) {
    endAsScripted(r, r.ending.outcome);
    return true;
  }
  if (typeof r.maxOutputTokens === 'number' && outputTokensSoFar(r, tokensForText) >= r.maxOutputTokens) {
    r.ended = { status: 'incomplete', reason: 'max_output_tokens' };
    return true;
  }
  return false;
}

/** At least one byte, and whole 16-bit samples for PCM. */
function alignedBytes(bytes: number, format: RealtimeAudioFormat): number {
  const whole = Math.max(1, Math.round(bytes));
  return format.type === 'audio/pcm' ? whole + (whole % 2) : whole;
}
