/**
 * ai-server's internal API as voice-server sees it: bot-profile lookup and details, credits, the
 * call's system prompt, dynamic tools and knowledge search. The DTO types here are the wire contract;
 * ai-server builds its responses from them too.
 */
import { ServiceError } from '../errors.ts';
import { JsonClient, type JsonClientOptions } from '../http-client.ts';

/** Which profile answers a call: by SIP domain, dialled number, or Twilio application SID. */
export interface ProfileLookupQuery {
  sipDomain?: string;
  /** The dialled number (E.164) or a SIP URI whose user part is one. */
  to?: string;
  applicationSid?: string;
}

/** The short answer to a lookup. */
export interface BotProfileSummary {
  key: string;
  brandId: string;
  name: string;
}

/** A voice of the OpenAI Realtime API (alloy, ash, ballad, coral, echo, sage, shimmer, verse, marin, cedar). */
export interface OpenAiVoiceConfig {
  provider: 'openai';
  voiceId: string;
  /** `audio.output.speed`, 0.25–1.5. */
  speed?: number;
}

/** ElevenLabs voice settings, each optional (ranges as ElevenLabs documents them). */
export interface ElevenLabsVoiceSettings {
  /** 0–1. */
  stability?: number;
  /** 0–1. */
  similarityBoost?: number;
  /** 0–1. */
  style?: number;
  useSpeakerBoost?: boolean;
  /** 0.7–1.2. */
  speed?: number;
}

/** A brand's ElevenLabs voice, spoken through voice-server's streaming TTS. */
export interface ElevenLabsVoiceConfig {
  provider: 'elevenlabs';
  /** Letters and digits. */
  voiceId: string;
  settings?: ElevenLabsVoiceSettings;
}

export type VoiceConfig = OpenAiVoiceConfig | ElevenLabsVoiceConfig;

export interface TranscriberConfig {
  provider: 'openai' | 'cartesia' | 'elevenlabs';
  /** For `openai`: gpt-4o-mini-transcribe, gpt-4o-transcribe or whisper-1. */
  model?: string;
  language?: string;
}

/** Silence watchdog: prompt the caller after `promptAfterSec` of silence, hang up after `endAfterSec`. */
export interface InactivityConfig {
  promptAfterSec: number;
  endAfterSec: number;
}

/**
 * The product's own lines in one language. An absent line: the English one, which the model is asked
 * to say in the call's language.
 */
export interface LanguageLinesDto {
  /** The inactivity watchdog's "are you still there?". */
  stillThere?: string;
  /** Said when the product ends the call (watchdog, time limit, shutdown). */
  goodbye?: string;
  /** Said when the call cannot go on (technical trouble). */
  apology?: string;
  /** Told before the time limit: wrap up. */
  wrapUp?: string;
  /** Said before a transfer to a human. */
  transfer?: string;
  /** Confirms a booked callback. */
  callback?: string;
}

/** One language a profile serves. */
export interface ProfileLanguageDto {
  /** BCP 47, e.g. "en-US", "es", "es-MX". */
  tag: string;
  /** Said word for word when the call starts in this language. */
  greeting: string;
  lines?: LanguageLinesDto;
  /** Appended to the profile's instructions while the call is in this language. */
  instructions?: string;
  /** The language's voice: an OpenAI voice name, or an ElevenLabs voice id when the profile speaks with ElevenLabs. */
  voice?: string;
  /** The transcription hint (ISO 639-1); default: the tag's primary subtag. */
  transcriptionLanguage?: string;
  /** The language of the knowledge articles searched in it; default: the tag's primary subtag. */
  knowledgeLanguage?: string;
}

/** Everything a call needs from its bot profile. */
export interface BotProfileDto extends BotProfileSummary {
  /** The call's first language (= `languages[0].tag` when `languages` is set). */
  language: string;
  /**
   * The languages the profile serves, the first one first; a call starts in it and may switch to
   * another. Absent or empty: the profile serves `language` alone (with `greeting`).
   */
  languages?: ProfileLanguageDto[];
  /** Absent when the model should open the conversation itself. */
  greeting?: string;
  voice: VoiceConfig;
  transcriber: TranscriberConfig | null;
  /** Server VAD threshold, 0..1. */
  vadThreshold: number;
  inactivity: InactivityConfig;
  maxDurationSec: number;
  /** E.164 number or SIP URI a transfer dials; null when transfers are off. */
  transferTarget: string | null;
  /** E.164 caller id for outbound calls and transfers. */
  outboundCallerId: string | null;
  /** Said when the AI agent cannot take calls and no transfer target is set; null: the platform's apology. */
  afterHoursMessage?: string | null;
  timezone: string;
  phoneNumbers: string[];
  sipDomains: string[];
  applicationSids: string[];
  /** Call recording; absent or `enabled: false`: calls are not recorded. */
  recording?: RecordingConfig;
  /** The profile's post-call analysis schema (strict structured output); absent or null: the default. */
  analysisSchema?: AnalysisSchemaDto | null;
  /** Specialist agents the call hands over between; empty: the profile is one agent. */
  agents?: AgentConfig[];
  /** The agent a call starts with; null when there are no agents. */
  entryAgent?: string | null;
  /** Every agent must have a way back to the entry agent (ai-server checked it). */
  returnRequired?: boolean;
}

/** One specialist agent of a profile. */
export interface AgentConfig {
  key: string;
  instructions: string;
  /** Names of the tools it may use (built-ins and the profile's own); absent: all of them. */
  tools?: string[];
  /** Its voice: applies as the call's voice when it is the entry agent, or with an external voice. */
  voice?: string;
  /** Agents it may hand the caller to. */
  handoffs?: string[];
}

/** A post-call analysis schema: `name` and `version` are recorded with every result made with it. */
export interface AnalysisSchemaDto {
  name: string;
  version: string;
  schema: Record<string, unknown>;
}

/** A profile's call recording: on, with the consent notice the caller hears first (a default when null). */
export interface RecordingConfig {
  enabled: boolean;
  consentNotice: string | null;
}

export interface CreditStatus {
  available: boolean;
  remainingSeconds: number;
}

export interface DebitRequest {
  callSid: string;
  durationSec: number;
}

export interface DebitResult {
  callSid: string;
  /** Seconds taken by this debit (never more than what remained). */
  debitedSeconds: number;
  remainingSeconds: number;
  /** True when this call SID had been debited before; nothing changed. */
  duplicate: boolean;
}

export interface SystemPromptRequest {
  callerNumber: string;
  isSip: boolean;
  callSid: string;
}

/** Business hours at the time of the call, in the brand's zone. */
export interface BusinessHoursStatusDto {
  open: boolean;
  timezone: string;
  localTime: string;
  localDate: string;
  holiday?: string;
  closesAt?: { at: string; local: string };
  nextOpening?: { at: string; local: string; inMinutes: number };
}

export interface SystemPromptResponse {
  instructions: string;
  businessHours: BusinessHoursStatusDto;
  /** Present when the call is one the brand asked the agent to place (the task is in `instructions`). */
  outbound?: OutboundCallSetup;
}

/** What an outbound call adds to its session: how the agent opens, and the outcome tool. */
export interface OutboundCallSetup {
  outboundCallId: string;
  /** The first response's instruction (in place of the inbound greeting). */
  opening: string;
  /** Tools only this call has (the outcome tool, when the request gave an outcome schema). */
  tools: RealtimeFunctionToolSchema[];
}

/** A Realtime API function tool (the session's `tools[]` entry). */
export interface RealtimeFunctionToolSchema {
  type: 'function';
  name: string;
  description: string;
  parameters: Record<string, unknown>;
  /** The tool's own time budget (ai-server's answer only; not part of the Realtime schema). */
  timeoutMs?: number;
}

export interface ExecuteToolRequest {
  name: string;
  /** The model's arguments: the JSON string from the Realtime event, or the parsed object. */
  arguments: string | Record<string, unknown>;
  callSid: string;
}

export type ToolErrorCode =
  | 'UNKNOWN_TOOL'
  | 'INVALID_ARGUMENTS'
  | 'ENDPOINT_REFUSED'
  | 'REDIRECT_REFUSED'
  | 'TIMEOUT'
  | 'RESPONSE_TOO_LARGE'
  | 'HTTP_ERROR'
  | 'NETWORK_ERROR'
  | 'BAD_RESPONSE';

export type ExecuteToolResult =
  | { ok: true; result: unknown; status: number; durationMs: number }
  | { ok: false; error: { code: ToolErrorCode; message: string; status?: number }; durationMs: number };

export interface KnowledgeSearchRequest {
  query: string;
  /** The call's stable key: a brand's lane split is sticky per call SID. */
  callSid?: string;
  /** 1..20, default 12. */
  limit?: number;
  /**
   * The call's language (BCP 47 tag or primary subtag): only articles in it are searched, with its
   * full-text configuration; when none answers, the profile's first language is searched instead.
   */
  language?: string;
}

export interface KnowledgeSearchHit {
  chunkId: string;
  articleId: string;
  title: string;
  url: string | null;
  text: string;
  score: number;
  lexicalRank: number | null;
  vectorRank: number | null;
  /** Cosine similarity to the question, null when the chunk was not a vector candidate. */
  similarity: number | null;
  /** The article's language (primary subtag, e.g. "es"). */
  language?: string;
}

export interface KnowledgeSearchResponse {
  /**
   * `hybrid` (full-text + vectors); `lexical` when no embedding provider is configured or it failed
   * for this query; `vector` for a retrieval lane configured vector-only.
   */
  mode: 'hybrid' | 'lexical' | 'vector';
  reranked: boolean;
  results: KnowledgeSearchHit[];
  /**
   * True when the knowledge base has nothing relevant: no results, or the best chunk's similarity is
   * under the calibrated floor. The results are still listed; the model should be told there is no
   * answer (offer a transfer or a callback) rather than be read them.
   */
  noAnswer: boolean;
  /** The best cosine similarity among the vector candidates, null without vectors. */
  topSimilarity: number | null;
  /** The floor `topSimilarity` was held to, null when none applies. */
  relevanceFloor: number | null;
  warnings: string[];
  /** The retrieval lane that served the search (its name, role and store). */
  lane?: { name: string; role: 'primary' | 'secondary'; store: 'postgres' | 'pinecone' };
  /** Set when the call's own lane failed or missed its budget and the other lane answered. */
  fallback?: { from: string; reason: 'error' | 'timeout' } | null;
  /** The language the results are in (primary subtag). */
  language?: string;
  /** True when nothing answered in the asked language and the profile's first language was searched. */
  languageFellBack?: boolean;
}

/** ai-server as voice-server uses it. */
export interface AiServerClient {
  /** The profile answering these call parameters, or null when none does. */
  lookupBotProfile(q: ProfileLookupQuery): Promise<BotProfileSummary | null>;
  getBotProfile(key: string): Promise<BotProfileDto>;
  checkCredits(key: string): Promise<CreditStatus>;
  /** Idempotent by call SID: a repeated debit changes nothing and says `duplicate: true`. */
  debitCall(key: string, req: DebitRequest): Promise<DebitResult>;
  getSystemPrompt(key: string, req: SystemPromptRequest): Promise<SystemPromptResponse>;
  getAvailableTools(key: string): Promise<RealtimeFunctionToolSchema[]>;
  executeTool(key: string, req: ExecuteToolRequest): Promise<ExecuteToolResult>;
  searchKnowledge(key: string, req: KnowledgeSearchRequest): Promise<KnowledgeSearchResponse>;
}

export interface HttpAiServerClientOptions extends Omit<JsonClientOptions, 'token'> {
  /** The shared SERVICE_TOKEN. */
  serviceToken: string;
  /** Budget for tool executions (the tool's own timeout plus slack); default 20 s. */
  toolTimeoutMs?: number;
}

/** The HTTP implementation of {@link AiServerClient}. Errors are ServiceErrors (`retryable` on 5xx). */
export class HttpAiServerClient implements AiServerClient {
  private readonly http: JsonClient;
  private readonly toolTimeoutMs: number;

  constructor(opts: HttpAiServerClientOptions) {
    this.http = new JsonClient({ ...opts, token: opts.serviceToken });
    this.toolTimeoutMs = opts.toolTimeoutMs ?? 20_000;
  }

  async lookupBotProfile(q: ProfileLookupQuery): Promise<BotProfileSummary | null> {
    try {
      return await this.http.request<BotProfileSummary>({
        method: 'POST',
        path: '/internal/profiles/lookup',
        body: q,
      });
    } catch (err) {
      if (err instanceof ServiceError && err.code === 'PROFILE_NOT_FOUND') return null;
      throw err;
    }
  }

  getBotProfile(key: string): Promise<BotProfileDto> {
    return this.http.request({ path: `/internal/profiles/${encodeURIComponent(key)}` });
  }

  checkCredits(key: string): Promise<CreditStatus> {
    return this.http.request({ path: `/internal/profiles/${encodeURIComponent(key)}/credits` });
  }

  debitCall(key: string, req: DebitRequest): Promise<DebitResult> {
    return this.http.request({
      method: 'POST',
      path: `/internal/profiles/${encodeURIComponent(key)}/debits`,
      body: req,
    });
  }

  getSystemPrompt(key: string, req: SystemPromptRequest): Promise<SystemPromptResponse> {
    return this.http.request({
      method: 'POST',
      path: `/internal/profiles/${encodeURIComponent(key)}/system-prompt`,
      body: req,
    });
  }

  async getAvailableTools(key: string): Promise<RealtimeFunctionToolSchema[]> {
    const res = await this.http.request<{ tools: RealtimeFunctionToolSchema[] }>({
      path: '/voiceagent/get_available_tools/',
      query: { profileKey: key },
    });
    return res.tools;
  }

  executeTool(key: string, req: ExecuteToolRequest): Promise<ExecuteToolResult> {
    return this.http.request({
      method: 'POST',
      path: '/voiceagent/execute_tool/',
      body: { profileKey: key, ...req },
      timeoutMs: this.toolTimeoutMs,
    });
  }

  searchKnowledge(key: string, req: KnowledgeSearchRequest): Promise<KnowledgeSearchResponse> {
    return this.http.request({
      method: 'POST',
      path: '/voiceagent/search_knowledge_base/',
      body: { profileKey: key, ...req },
    });
  }
}
