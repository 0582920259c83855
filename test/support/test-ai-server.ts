import type { CallAiServer, CallProfile } from '@switchboard/voice-server';

/** An in-process ai-server for tests that are not about ai-server. */
export class TestAiServer implements CallAiServer {
  profile: CallProfile = {
    key: 'acme-support',
    brandId: 'brand-acme',
    greeting: 'Hi, thanks for calling Acme support.',
    voice: { provider: 'openai', voiceId: 'marin', speed: 1 },
  };
  credits = true;

  async lookupBotProfile(q: { sipDomain?: string; to?: string; applicationSid?: string }) {
    return q.to === '+18005550100' || q.sipDomain === 'acme.sip.twilio.com'
      ? { key: this.profile.key }
      : null;
  }
  async getBotProfile() {
    return this.profile;
  }
  async checkCredits() {
    return { available: this.credits, remainingSeconds: this.credits ? 3600 : 0 };
  }
  readonly debits: Array<{ key: string; callSid: string; durationSec: number }> = [];
  async debitCall(key: string, q: { callSid: string; durationSec: number }) {
    this.debits.push({ key, ...q });
    return { debited: true };
  }
  async getSystemPrompt() {
    return { instructions: 'You are the Acme support agent. source=PHONE' };
  }
  async getAvailableTools() {
    return [];
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
