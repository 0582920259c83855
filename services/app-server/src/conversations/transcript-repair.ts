/**
 * A transcript message app-server cannot store as sent is stored repaired, with a note saying what
 * changed, never dropped: the text comes from callers, the model and brands' tools, which nobody
 * can fix after the call.
 */
import { jsonDepth, type TextRepair } from '@switchboard/service-kit';
import type { TranscriptMessage } from '@switchboard/service-kit/clients/app-server';

/** Longest message text kept, characters. */
export const MAX_MESSAGE_TEXT = 100_000;
/** Deepest and largest tool arguments/result kept. */
export const MAX_TOOL_JSON_DEPTH = 32;
export const MAX_TOOL_JSON_CHARS = 100_000;
/** Years a message time may fall in (Postgres and the UI read these); outside, the arrival time is used. */
const EARLIEST_MS = Date.UTC(1970, 0, 1);
const LATEST_MS = Date.UTC(9999, 11, 31);

export interface RepairedMessage {
  message: TranscriptMessage;
  startedAt: Date;
  notes: string[];
}

const PATH = /^body\.messages\.(\d+)\.([A-Za-z]+)/;

/** Notes per message index from the text policy's repairs (NUL removed, surrogates replaced). */
function textNotes(repairs: readonly TextRepair[]): Map<number, string[]> {
  const byField = new Map<string, { index: number; nul: number; surrogates: number }>();
  for (const r of repairs) {
    const m = PATH.exec(r.path);
    if (!m) continue;
    const key = `${m[1]}.${m[2]}`;
    const sum = byField.get(key) ?? { index: Number(m[1]), nul: 0, surrogates: 0 };
    sum.nul += r.nul;
    sum.surrogates += r.surrogates;
    byField.set(key, sum);
  }
  const notes = new Map<number, string[]>();
  for (const [key, s] of byField) {
    const field = key.slice(key.indexOf('.') + 1);
    const parts = [
      s.nul ? `${s.nul} NUL character(s) removed` : '',
      s.surrogates ? `${s.surrogates} unpaired surrogate(s) replaced` : '',
    ].filter(Boolean);
    notes.set(s.index, [...(notes.get(s.index) ?? []), `${field}: ${parts.join(', ')}`]);
  }
  return notes;
}

function toolJson(value: unknown, field: string, notes: string[]): unknown {
  if (value === undefined || value === null || typeof value !== 'object') return value;
  if (jsonDepth(value, MAX_TOOL_JSON_DEPTH) > MAX_TOOL_JSON_DEPTH) {
    notes.push(`${field}: nested deeper than ${MAX_TOOL_JSON_DEPTH} levels; not kept`);
    return { sanitized: `nested deeper than ${MAX_TOOL_JSON_DEPTH} levels; not kept` };
  }
  const text = JSON.stringify(value);
  if (text.length <= MAX_TOOL_JSON_CHARS) return value;
  notes.push(`${field}: ${text.length} characters; the first 2000 kept`);
  return { sanitized: `${text.length} characters; the first 2000 kept`, preview: text.slice(0, 2000) };
}

/** Each message as it can be stored, with what was changed to store it. */
export function repairMessages(
  messages: readonly TranscriptMessage[],
  repairs: readonly TextRepair[],
  receivedAt: Date,
): RepairedMessage[] {
  const fromText = textNotes(repairs);
  return messages.map((m, i) => {
    const notes = [...(fromText.get(i) ?? [])];
    const message = { ...m };
    if (typeof message.text === 'string' && message.text.length > MAX_MESSAGE_TEXT) {
      notes.push(`text: ${message.text.length} characters; the first ${MAX_MESSAGE_TEXT} kept`);
      message.text = message.text.slice(0, MAX_MESSAGE_TEXT);
    }
    if (typeof message.heardText === 'string' && message.heardText.length > MAX_MESSAGE_TEXT) {
      notes.push(`heardText: ${message.heardText.length} characters; the first ${MAX_MESSAGE_TEXT} kept`);
      message.heardText = message.heardText.slice(0, MAX_MESSAGE_TEXT);
    }
    if (typeof message.transcriberText === 'string' && message.transcriberText.length > MAX_MESSAGE_TEXT) {
      notes.push(
        `transcriberText: ${message.transcriberText.length} characters; the first ${MAX_MESSAGE_TEXT} kept`,
      );
      message.transcriberText = message.transcriberText.slice(0, MAX_MESSAGE_TEXT);
    }
    message.toolArguments = toolJson(message.toolArguments, 'toolArguments', notes);
    message.toolResult = toolJson(message.toolResult, 'toolResult', notes);
    let startedAt = new Date(m.startedAt);
    const t = startedAt.getTime();
    if (!(t >= EARLIEST_MS && t <= LATEST_MS)) {
      notes.push('startedAt: out of range; the time it arrived is used');
      startedAt = receivedAt;
    }
    return { message, startedAt, notes };
  });
}
