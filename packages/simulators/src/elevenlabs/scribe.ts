/**
 * ElevenLabs Scribe, `POST /v1/speech-to-text` (what the SDK's `speechToText.convert` calls): a
 * multipart form with `model_id` and `file` (or `cloud_storage_url`), answered with `text`, `words`
 * (each with `start`/`end` in seconds, `type` word or spacing, `logprob`), `language_code` and
 * `language_probability`. The words come back from the audio itself when it carries simulated speech;
 * otherwise from a scenario's caller lines, in order, the way the Realtime simulator attaches them.
 */
import { randomUUID } from 'node:crypto';
import { mulawToPcm16 } from '@switchboard/telephony';
import type { ScenarioPlayer } from '../openai-realtime/scenario.ts';
import { parseWav } from '../openai-realtime/wav.ts';
import { recognizeSpeech } from '../speech/recognize.ts';
import { type ApiError, detailError, validationError } from './errors.ts';

/** Scribe models the simulator answers for. */
export const SCRIBE_MODELS = ['scribe_v1', 'scribe_v1_experimental', 'scribe_v2'] as const;

/** A scripted answer for the next transcription. */
export type ScribeScriptStep = { text: string } | 'empty' | { error: ApiError };

/** A transcription request as recorded. */
export interface ScribeRequest {
  modelId: string;
  fileFormat: string;
  languageCode: string | null;
  audioBytes: number;
  /** What was answered. */
  status: number;
  text: string | null;
}

/** Transcribes one multipart request; returns the status and JSON body. */
export async function transcribe(
  form: FormData,
  script: ScribeScriptStep[],
  scenario: ScenarioPlayer | null,
): Promise<{
  status: number;
  body: Record<string, unknown>;
  request: Omit<ScribeRequest, 'status' | 'text'>;
}> {
  const modelId = form.get('model_id');
  const fileFormat = String(form.get('file_format') ?? 'other');
  const languageCode = form.get('language_code');
  const file = form.get('file');
  const request = {
    modelId: String(modelId ?? ''),
    fileFormat,
    languageCode: typeof languageCode === 'string' ? languageCode : null,
    audioBytes: file instanceof Blob ? file.size : 0,
  };
  const refuse = (e: ApiError) => ({ status: e.status, body: e.body, request });
  if (typeof modelId !== 'string') return refuse(validationError('body', 'model_id', 'Field required'));
  if (!(SCRIBE_MODELS as readonly string[]).includes(modelId)) {
    return refuse(
      validationError(
        'body',
        'model_id',
        `Input should be ${SCRIBE_MODELS.map((m) => `'${m}'`).join(' or ')}`,
      ),
    );
  }
  if (!(file instanceof Blob) && form.get('cloud_storage_url') === null) {
    return refuse(
      detailError(400, 'invalid_parameters', 'Either file or cloud_storage_url must be provided.'),
    );
  }
  if (!(file instanceof Blob)) {
    return refuse(detailError(400, 'invalid_parameters', 'The simulator cannot fetch cloud_storage_url.'));
  }
  if (fileFormat !== 'other' && fileFormat !== 'pcm_s16le_16') {
    return refuse(validationError('body', 'file_format', "Input should be 'pcm_s16le_16' or 'other'"));
  }
  const audio = decodeAudio(new Uint8Array(await file.arrayBuffer()), fileFormat);
  if (!audio) return refuse(detailError(400, 'invalid_content', 'The audio file could not be decoded.'));
  const step = script.shift();
  if (step && typeof step === 'object' && 'error' in step) return refuse(step.error);
  const heard = recognizeSpeech(audio.pcm, audio.sampleRate);
  let text = heard.text;
  let words = heard.words.map((w) => ({ text: w.text, start: w.startMs / 1000, end: w.endMs / 1000 }));
  if (step === 'empty') {
    text = '';
    words = [];
  } else if (step) {
    text = step.text;
    words = evenWords(step.text, heard.durationMs);
  } else if (text === '' && scenario) {
    // no simulated speech: the scenario's next caller line, as the Realtime simulator would attach it
    text = scenario.userAudioCommitted() ?? '';
    words = evenWords(text, heard.durationMs);
  }
  return {
    status: 200,
    request,
    body: {
      language_code: request.languageCode ?? 'eng',
      language_probability: text === '' ? 0 : 0.98,
      text,
      words: withSpacing(words),
      transcription_id: randomUUID().replaceAll('-', ''),
      audio_duration_secs: heard.durationMs / 1000,
    },
  };
}

function decodeAudio(bytes: Uint8Array, fileFormat: string): { pcm: Int16Array; sampleRate: number } | null {
  if (fileFormat === 'pcm_s16le_16') {
    const pcm = new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + (bytes.length & ~1)));
    return { pcm, sampleRate: 16000 };
  }
  if (Buffer.from(bytes.subarray(0, 4)).toString('latin1') === 'RIFF') {
    try {
      const wav = parseWav(bytes);
      return { pcm: wav.samples, sampleRate: wav.sampleRate };
    } catch {
      return null;
    }
  }
  // headerless audio of a phone call: 8 kHz mu-law
  return bytes.length > 0 ? { pcm: mulawToPcm16(bytes), sampleRate: 8000 } : null;
}

type TimedWord = { text: string; start: number; end: number };

/** Words spread evenly over the audio (for scripted text that the audio does not carry). */
function evenWords(text: string, durationMs: number): TimedWord[] {
  const parts = text.split(/\s+/).filter(Boolean);
  const each = durationMs / 1000 / Math.max(1, parts.length);
  return parts.map((w, i) => ({ text: w, start: i * each, end: (i + 1) * each }));
}

/** Scribe's word list: words with `spacing` entries between them. */
function withSpacing(words: TimedWord[]): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  words.forEach((w, i) => {
    if (i > 0) out.push({ text: ' ', start: words[i - 1]!.end, end: w.start, type: 'spacing', logprob: 0 });
    out.push({ ...w, type: 'word', logprob: -0.05 });
  });
  return out;
}
