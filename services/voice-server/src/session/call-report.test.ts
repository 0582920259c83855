// What app-server hears when a call is accepted: the live monitor needs its direction and where the
// instance holding it takes staff actions.
import { createLogger } from '@switchboard/service-kit';
import { describe, expect, it } from 'vitest';
import { VoiceMetrics } from '../metrics.ts';
import { InMemoryAppServer } from '../ports/in-memory-app-server.ts';
import { FakeAiServer } from '../testing/fakes.ts';
import { CallReport } from './call-report.ts';

const CALL = {
  streamSid: 'MZ1',
  callSid: `CA${'2'.repeat(32)}`,
  accountSid: 'AC1',
  botProfileKey: 'acme-support',
  isSip: false,
  callerNumber: '+14155550123',
};

async function started(outbound: boolean, controlUrl?: string) {
  const appServer = new InMemoryAppServer();
  const ai = new FakeAiServer();
  const report = new CallReport({
    call: CALL,
    startedAtMs: Date.now(),
    aiServer: ai,
    appServer,
    metrics: new VoiceMetrics(),
    log: createLogger({ name: 'test', level: 'silent' }),
    ...(controlUrl ? { controlUrl: () => controlUrl } : {}),
  });
  report.startConversation(await ai.getBotProfile(CALL.botProfileKey), outbound);
  await report.conversationStarted;
  return appServer.conversations.get(CALL.callSid)!.start;
}

describe('the conversation start voice-server reports', () => {
  it('carries the direction and the control URL', async () => {
    expect(await started(true, 'http://10.0.3.7:8080')).toMatchObject({
      direction: 'outbound',
      controlUrl: 'http://10.0.3.7:8080',
    });
    const inbound = await started(false);
    expect(inbound.direction).toBe('inbound');
    expect(inbound).not.toHaveProperty('controlUrl');
  });
});
