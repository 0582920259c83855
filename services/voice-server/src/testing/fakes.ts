import type { RealtimeFunctionTool } from '@switchboard/realtime';
import type { CallAiServer, CallProfile } from '../ports/ai-server.ts';
import type { TwilioRest } from '../ports/twilio-rest.ts';

export const PROFILE: CallProfile = {
  key: 'acme-support',
  brandId: 'brand-acme',
  greeting: 'Hi, thanks for calling Acme.',
  voice: { provider: 'openai', voiceId: 'marin', speed: 1.1 },
};

/**
 * An in-process ai-server for tests that are not about ai-server: one profile, switchable credits and
 * failures, and a record of debits. `known` limits which numbers/domains/application SIDs it answers.
 */
export class FakeAiServer implements CallAiServer {
  credits = true;
  failProfile = false;
  profile: CallProfile = { ...PROFILE };
  tools: Array<RealtimeFunctionTool & { timeoutMs?: number }> = [];
  readonly debits: Array<{ key: string; callSid: string; durationSec: number }> = [];

  constructor(private readonly known?: { to?: string[]; sipDomain?: string[]; applicationSid?: string[] }) {}

  async lookupBotProfile(q: {
    sipDomain?: string;
    to?: string;
    applicationSid?: string;
  }): Promise<{ key: string } | null> {
    if (!this.known) return { key: this.profile.key };
    const hit = (Object.keys(q) as Array<keyof typeof q>).some(
      (k) => q[k] && this.known?.[k]?.includes(q[k]!),
    );
    return hit ? { key: this.profile.key } : null;
  }
  /** The references the call path asked profiles by, in order. */
  readonly profileRefs: string[] = [];
  async getBotProfile(ref: string) {
    this.profileRefs.push(ref);
    if (this.failProfile) throw new Error('ai-server down');
    return this.profile;
  }
  /** Seconds of credit left while `credits` is true. */
  remainingSeconds = 86_400;
  async checkCredits() {
    return { available: this.credits, remainingSeconds: this.credits ? this.remainingSeconds : 0 };
  }
  /** Debit attempts that fail as if ai-server were unreachable, before one lands. */
  debitFailures = 0;
  debitAttempts = 0;
  async debitCall(key: string, q: { callSid: string; durationSec: number }) {
    this.debitAttempts++;
    if (this.debitFailures > 0) {
      this.debitFailures--;
      throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    }
    this.debits.push({ key, ...q });
    return { debited: true };
  }
  async getSystemPrompt() {
    return { instructions: 'You are the Acme phone agent. source=PHONE' };
  }
  async getAvailableTools() {
    return this.tools;
  }
  async searchKnowledge(_key: string, q: { query: string }) {
    return {
      mode: 'lexical',
      results: [
        { chunkId: 'chunk_1', articleId: 'art_1', title: 'Orders', text: `About ${q.query}`, score: 1 },
      ],
    };
  }
  async executeTool(_key: string, q: { name: string; arguments: unknown }) {
    return { ok: true as const, result: { echoed: q.name, arguments: q.arguments } };
  }
}

/** Records Calls REST requests instead of making them. */
export class FakeTwilioRest implements TwilioRest {
  readonly updates: Array<{ callSid: string; twiml: string }> = [];
  readonly hangups: string[] = [];
  async updateCallTwiml(callSid: string, twiml: string) {
    this.updates.push({ callSid, twiml });
  }
  async hangup(callSid: string) {
    this.hangups.push(callSid);
  }
  readonly deletedRecordings: string[] = [];
  async deleteRecording(recordingSid: string) {
    this.deletedRecordings.push(recordingSid);
  }
}
