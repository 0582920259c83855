import OpenAI from 'openai';
import { describeLanguageSwitch, languageName } from '../domain/languages.ts';
import type { Conversation, Message } from '../domain/types.ts';
import {
  ANALYSIS_PROMPT_VERSION,
  type AnalysisSchema,
  AnalysisValidationError,
  validateAnalysis,
} from './analysis-schema.ts';
import type { AnalysisResultInput } from './analysis-store.ts';

/** Longest transcript sent, characters; a longer one keeps its start and its end. */
export const MAX_TRANSCRIPT_CHARS = 60_000;

const INSTRUCTIONS = `You analyse finished phone calls between a caller and a brand's voice agent.
Read the transcript and answer in the given JSON schema:
- summary: two or three plain sentences on what the caller wanted and what happened;
- sentiment: the caller's overall sentiment;
- intent: the main reason for the call as a short snake_case label;
- resolution: how the call ended for the caller (follow_up when a callback or later action was promised, escalated when handed to a person);
- leadScore: 0 to 100, how likely the caller is to buy or buy more.
Judge only from the transcript. Do not include phone numbers, card numbers or other personal data in the summary.`;

/** Renders the transcript the model reads: one line per turn, the caller's as heard, tools as notes. */
export function renderTranscript(messages: readonly Message[]): string {
  const lines: string[] = [];
  for (const m of messages) {
    if (m.languageSwitch) {
      lines.push(`[${describeLanguageSwitch(m.languageSwitch)}]`);
      continue;
    }
    if (m.role === 'tool') {
      if (m.toolName) lines.push(`[tool ${m.toolName}]`);
      continue;
    }
    const text = m.role === 'agent' && m.interrupted && m.heardText !== null ? m.heardText : m.text;
    if (!text?.trim()) continue;
    lines.push(`${m.role === 'caller' ? 'Caller' : m.role === 'agent' ? 'Agent' : 'System'}: ${text.trim()}`);
  }
  const all = lines.join('\n');
  if (all.length <= MAX_TRANSCRIPT_CHARS) return all;
  const half = MAX_TRANSCRIPT_CHARS / 2;
  return `${all.slice(0, half)}\n[… middle of the call left out …]\n${all.slice(-half)}`;
}

/** What the transcript's heading says about the call: its bot profile, and its languages when known. */
function callFacts(c: Conversation): string {
  const languages = c.languages.map(languageName).join(', ');
  return `bot profile ${c.botProfileKey}${languages ? `; languages: ${languages}` : ''}`;
}

/** True when the transcript has anything the caller or agent said. */
export function hasSpeech(messages: readonly Message[]): boolean {
  return messages.some((m) => (m.role === 'caller' || m.role === 'agent') && !!m.text?.trim());
}

/** An analysis that another attempt cannot fix (bad request, bad key, unknown model, a refusal). */
export class PermanentAnalysisError extends Error {
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'PermanentAnalysisError';
  }
}

/** Whether another attempt may succeed: rate limits, server errors, timeouts, dropped connections, a bad answer. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof AnalysisValidationError) return true;
  if (err instanceof PermanentAnalysisError) return false;
  if (err instanceof OpenAI.APIConnectionError) return true; // includes timeouts
  if (err instanceof OpenAI.APIError) {
    const s = err.status ?? 0;
    return s === 408 || s === 409 || s === 429 || s >= 500;
  }
  return true;
}

export interface AnalyzerOptions {
  client: OpenAI;
  model: string;
}

/** Asks the model for a structured analysis of one call and checks the answer against the schema. */
export class Analyzer {
  constructor(private readonly opts: AnalyzerOptions) {}

  get model(): string {
    return this.opts.model;
  }

  async analyze(input: {
    conversation: Conversation;
    messages: readonly Message[];
    schema: AnalysisSchema;
  }): Promise<AnalysisResultInput> {
    const transcript = renderTranscript(input.messages);
    const completion = await this.opts.client.chat.completions.create({
      model: this.opts.model,
      temperature: 0,
      messages: [
        { role: 'system', content: INSTRUCTIONS },
        {
          role: 'user',
          content: `Transcript (${callFacts(input.conversation)}):\n${transcript}`,
        },
      ],
      response_format: {
        type: 'json_schema',
        json_schema: { name: input.schema.name, schema: input.schema.schema, strict: true },
      },
    });
    const choice = completion.choices[0];
    if (choice?.message.refusal) throw new PermanentAnalysisError('the model refused to analyse this call');
    if (choice?.finish_reason === 'length')
      throw new AnalysisValidationError(['the answer was cut off (length)']);
    const text = choice?.message.content;
    if (!text) throw new AnalysisValidationError(['the answer is empty']);
    const { result, fields } = validateAnalysis(text, input.schema);
    return {
      fields,
      result,
      model: completion.model || this.opts.model,
      promptVersion: ANALYSIS_PROMPT_VERSION,
      schemaVersion: `${input.schema.name}@${input.schema.version}`,
    };
  }
}

/** The SDK client: retries are the job queue's (durable, with back-off), so the SDK makes one attempt. */
export function openAiClient(o: { apiKey: string; baseURL?: string; timeoutMs: number }): OpenAI {
  return new OpenAI({
    apiKey: o.apiKey,
    ...(o.baseURL ? { baseURL: o.baseURL } : {}),
    maxRetries: 0,
    timeout: o.timeoutMs,
  });
}
