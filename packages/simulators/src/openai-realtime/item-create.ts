/**
 * `conversation.item.create`: messages (user, system, assistant), function calls and function call
 * outputs, validated like the real API, inserted after `previous_item_id` (or at the end), and
 * announced with `conversation.item.added` + `.done`. User and system text can trigger scenario turns.
 */
import { decodeBase64Strict } from './audio-format.ts';
import { announceItem, type ItemRecord, newItemRecord } from './conversation.ts';
import { RealtimeProtocolError } from './errors.ts';
import { newId } from './ids.ts';
import type { SessionCore } from './session-core.ts';
import { checkKeys, expectArray, expectEnum, expectObject, expectString, requireKey } from './validate.ts';

/** Handles one `conversation.item.create`; throws {@link RealtimeProtocolError} to refuse it. */
export function createConversationItem(core: SessionCore, event: Record<string, unknown>): void {
  const { conversation } = core;
  const item = expectObject(event.item, 'item');
  let previous: string | null = conversation.lastItemId();
  let insertAt = conversation.records.length;
  if (event.previous_item_id !== undefined) {
    const prevId = expectString(event.previous_item_id, 'previous_item_id');
    if (prevId === 'root') {
      previous = null;
      insertAt = 0;
    } else {
      const at = conversation.indexOf(prevId);
      if (at < 0) {
        throw new RealtimeProtocolError(
          'invalid_value',
          `Previous item with item_id '${prevId}' not found in the conversation.`,
          'previous_item_id',
        );
      }
      previous = prevId;
      insertAt = at + 1;
    }
  }
  let id = newId('item');
  if (item.id !== undefined) {
    id = expectString(item.id, 'item.id');
    if (conversation.find(id)) {
      throw new RealtimeProtocolError('invalid_value', `Item with id '${id}' already exists.`, 'item.id');
    }
  }
  requireKey(item, 'type', 'item');
  const type = expectEnum(item.type, ['message', 'function_call', 'function_call_output'], 'item.type');
  let record: ItemRecord;
  let onAdded: () => void = () => {};
  if (type === 'message') {
    const built = buildMessageItem(core, id, item);
    record = built.record;
    onAdded = built.onAdded;
  } else if (type === 'function_call') {
    record = buildFunctionCallItem(id, item);
  } else {
    checkKeys(item, ['id', 'type', 'object', 'status', 'call_id', 'output'], 'item');
    const callId = expectString(item.call_id, 'item.call_id');
    const output = expectString(item.output, 'item.output');
    if (!conversation.hasFunctionCall(callId)) {
      throw new RealtimeProtocolError(
        'invalid_value',
        `Tool call ID '${callId}' not found in conversation.`,
        'item.call_id',
      );
    }
    record = newItemRecord(id, {
      id,
      object: 'realtime.item',
      type: 'function_call_output',
      status: 'completed',
      call_id: callId,
      output,
    });
    onAdded = () => core.player.functionOutput(callId);
  }
  conversation.insertAt(insertAt, record);
  onAdded();
  announceItem(core.out, previous, record.wire);
}

function buildFunctionCallItem(id: string, item: Record<string, unknown>): ItemRecord {
  checkKeys(item, ['id', 'type', 'object', 'status', 'name', 'call_id', 'arguments'], 'item');
  const callId = item.call_id === undefined ? newId('call') : expectString(item.call_id, 'item.call_id');
  return newItemRecord(id, {
    id,
    object: 'realtime.item',
    type: 'function_call',
    status: 'completed',
    name: expectString(item.name, 'item.name'),
    call_id: callId,
    arguments: item.arguments === undefined ? '' : expectString(item.arguments, 'item.arguments'),
  });
}

function buildMessageItem(
  core: SessionCore,
  id: string,
  item: Record<string, unknown>,
): { record: ItemRecord; onAdded: () => void } {
  checkKeys(item, ['id', 'type', 'object', 'status', 'role', 'content'], 'item');
  requireKey(item, 'role', 'item');
  const role = expectEnum(item.role, ['user', 'system', 'assistant'], 'item.role');
  const content = expectArray(item.content, 'item.content');
  const allowed =
    role === 'user'
      ? (['input_text', 'input_audio', 'input_image'] as const)
      : role === 'system'
        ? (['input_text'] as const)
        : (['output_text', 'text'] as const);
  const wireContent: Record<string, unknown>[] = [];
  const texts: string[] = [];
  let audio: Uint8Array | null = null;
  content.forEach((entry, i) => {
    const path = `item.content[${i}]`;
    const part = expectObject(entry, path);
    const partType = expectEnum(part.type, allowed as readonly string[], `${path}.type`);
    if (partType === 'input_audio') {
      checkKeys(part, ['type', 'audio', 'transcript'], path);
      const bytes = decodeBase64Strict(expectString(part.audio, `${path}.audio`));
      if (!bytes) {
        throw new RealtimeProtocolError(
          'invalid_value',
          `Invalid '${path}.audio'. Expected base64-encoded audio bytes, but got invalid data.`,
          `${path}.audio`,
        );
      }
      audio = bytes;
      const transcript =
        part.transcript === undefined ? null : expectString(part.transcript, `${path}.transcript`);
      wireContent.push({ type: 'input_audio', transcript });
    } else if (partType === 'input_image') {
      checkKeys(part, ['type', 'image_url', 'detail'], path);
      wireContent.push({
        type: 'input_image',
        image_url: expectString(part.image_url, `${path}.image_url`),
      });
    } else {
      checkKeys(part, ['type', 'text'], path);
      const text = expectString(part.text, `${path}.text`);
      texts.push(text);
      wireContent.push({ type: partType === 'text' ? 'output_text' : partType, text });
    }
  });
  const record = newItemRecord(id, {
    id,
    object: 'realtime.item',
    type: 'message',
    status: 'completed',
    role,
    content: wireContent,
  });
  record.text = texts.length > 0 ? texts.join('\n') : null;
  if (audio) {
    const bytes: Uint8Array = audio;
    record.audioChunks = [bytes];
    record.audioBytes = bytes.length;
    record.audioFormat = core.config.audio.input.format;
  }
  const onAdded = () => {
    if (role === 'assistant') return core.player.assistantItem();
    // A user turn given back as audio (no text): the model hears it as the next thing the caller said.
    if (role === 'user' && audio && texts.length === 0) return void core.player.audioItem();
    for (const text of texts) core.player.textItem(role, text);
  };
  return { record, onAdded };
}
