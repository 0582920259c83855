import type { RealtimeFunctionTool } from '@switchboard/realtime';

/** Bot profile fields a call needs. */
export interface CallProfile {
  key: string;
  brandId?: string;
  language?: string;
  greeting?: string;
  voice?: { provider?: string; voiceId?: string; speed?: number };
  vadThreshold?: number;
  transferTarget?: string | null;
  outboundCallerId?: string | null;
  maxDurationSec?: number;
  inactivity?: { promptAfterSec?: number; endAfterSec?: number };
}

/** ai-server as the call path sees it. */
export interface CallAiServer {
  lookupBotProfile(q: {
    sipDomain?: string;
    to?: string;
    applicationSid?: string;
  }): Promise<{ key: string } | null>;
  getBotProfile(key: string): Promise<CallProfile>;
  checkCredits(key: string): Promise<{ available: boolean; remainingSeconds?: number }>;
  getSystemPrompt(
    key: string,
    q: { callerNumber: string; isSip: boolean; callSid: string },
  ): Promise<{ instructions: string }>;
  getAvailableTools(key: string): Promise<RealtimeFunctionTool[]>;
}
