import type { RealtimeFunctionTool } from '@switchboard/realtime';
import type {
  AgentConfig,
  OutboundCallSetup,
  ProfileLanguageDto,
} from '@switchboard/service-kit/clients/ai-server';
import type { TtsVoiceSettings } from './tts-stream.ts';

/** Bot profile fields a call needs. */
export interface CallProfile {
  key: string;
  brandId?: string;
  language?: string;
  /** The languages the call may be in, its first one first (absent: `language` alone, with `greeting`). */
  languages?: ProfileLanguageDto[];
  greeting?: string;
  /** `settings` are ElevenLabs' (stability, similarityBoost, style, useSpeakerBoost, speed). */
  voice?: { provider?: string; voiceId?: string; speed?: number; settings?: TtsVoiceSettings };
  /** Who transcribes the caller (the Realtime API's own model, or an external provider). */
  transcriber?: { provider?: string; model?: string; language?: string } | null;
  vadThreshold?: number;
  /** Where transfer_to_human dials: an E.164 number or a SIP URI. */
  transferTarget?: string | null;
  /** Caller ID for transfers of SIP calls. */
  outboundCallerId?: string | null;
  /** Said to new callers while the AI agent cannot take calls and there is no transfer target. */
  afterHoursMessage?: string | null;
  maxDurationSec?: number;
  inactivity?: { promptAfterSec?: number; endAfterSec?: number };
  /** An outbound call's first words (its task), in place of the inbound greeting. */
  opening?: string;
  /** Call recording: on, with the consent notice said first (a default one when null). */
  recording?: { enabled: boolean; consentNotice?: string | null };
  /** Specialist agents the call hands over between (session/agents.ts); none: one agent. */
  agents?: AgentConfig[];
  entryAgent?: string | null;
}

export interface KnowledgeHit {
  chunkId: string;
  articleId: string;
  title: string;
  text: string;
  score: number;
}

/** A knowledge search's answer as the call path reads it. */
export interface KnowledgeAnswer {
  mode: string;
  results: KnowledgeHit[];
  /** The knowledge base has nothing relevant (the results are not worth reading out). */
  noAnswer?: boolean;
  /** The retrieval lane that served it (recorded with the tool result on the conversation). */
  lane?: { name: string; store?: string };
  /** The language the results are in (primary subtag). */
  language?: string;
  /** Nothing answered in the asked language; the profile's first language was searched. */
  languageFellBack?: boolean;
}

export type ToolExecution =
  | { ok: true; result: unknown }
  | { ok: false; error: string | { code: string; message: string } };

/** ai-server as the call path sees it. */
export interface CallAiServer {
  lookupBotProfile(q: {
    sipDomain?: string;
    to?: string;
    applicationSid?: string;
  }): Promise<{ key: string } | null>;
  getBotProfile(key: string): Promise<CallProfile>;
  checkCredits(key: string): Promise<{ available: boolean; remainingSeconds?: number }>;
  /** Debits the call's duration once (idempotent by call SID). */
  debitCall(key: string, q: { callSid: string; durationSec: number }): Promise<unknown>;
  getSystemPrompt(
    key: string,
    q: { callerNumber: string; isSip: boolean; callSid: string },
  ): Promise<{ instructions: string; outbound?: OutboundCallSetup }>;
  /** The brand's tools as Realtime function schemas, each with its own time budget when it has one. */
  getAvailableTools(key: string): Promise<Array<RealtimeFunctionTool & { timeoutMs?: number }>>;
  /** Split into the brand's retrieval lanes by `callSid`, so one call stays in one lane. */
  searchKnowledge(
    key: string,
    q: { query: string; callSid?: string; limit?: number; language?: string },
  ): Promise<KnowledgeAnswer>;
  executeTool(key: string, q: { name: string; arguments: unknown; callSid: string }): Promise<ToolExecution>;
}
