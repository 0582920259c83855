// The outbound hook in a call's setup: the agent opens with its task (not the inbound greeting) and gets
// the call's own tools, from what ai-server's system prompt answer carries.
import { createLogger } from '@switchboard/service-kit';
import type { OutboundCallSetup } from '@switchboard/service-kit/clients/ai-server';
import { describe, expect, it } from 'vitest';
import { setUpCall } from '../session/call-setup.ts';
import type { CallLifecycle } from '../session/lifecycle.ts';
import { greetingLine } from '../session/lines.ts';
import { FakeAiServer } from '../testing/fakes.ts';

const OUTCOME_TOOL = {
  type: 'function' as const,
  name: 'record_call_outcome',
  description: 'Record the outcome',
  parameters: { type: 'object', properties: { price: { type: 'number' } } },
};

class OutboundAi extends FakeAiServer {
  outbound: OutboundCallSetup | undefined;
  override async getSystemPrompt() {
    return {
      instructions: 'You are the agent. # This call: ask for a quote.',
      ...(this.outbound ? { outbound: this.outbound } : {}),
    };
  }
}

async function setUp(ai: OutboundAi, accepted: boolean[] = []) {
  const lifecycle = { isEnded: false, apologizeAndEnd: async () => {} } as unknown as CallLifecycle;
  return setUpCall({
    call: {
      streamSid: 'MZ1',
      callSid: `CA${'1'.repeat(32)}`,
      accountSid: 'AC1',
      botProfileKey: 'acme-support',
      isSip: false,
      callerNumber: '+14155550199',
    },
    aiServer: ai,
    lifecycle,
    log: createLogger({ name: 'test', level: 'silent' }),
    open: async () => ({ close() {} }) as never,
    onAccepted: (_profile, outbound) => accepted.push(outbound),
    onRealtimeUnavailable: async () => {},
  });
}

describe('an outbound call’s setup', () => {
  it('opens with the task and adds the outcome tool', async () => {
    const ai = new OutboundAi();
    ai.outbound = { outboundCallId: 'oc-1', opening: 'Say why you are calling.', tools: [OUTCOME_TOOL] };
    const accepted: boolean[] = [];
    const setup = (await setUp(ai, accepted))!;
    expect(greetingLine(setup.profile)).toBe('Say why you are calling.');
    expect(accepted).toEqual([true]); // the conversation starts as outbound (the live monitor shows it)
    expect(setup.dynamicTools.map((t) => t.name)).toEqual(['record_call_outcome']);
  });

  it('keeps an inbound call’s greeting and tools', async () => {
    const accepted: boolean[] = [];
    const setup = (await setUp(new OutboundAi(), accepted))!;
    expect(accepted).toEqual([false]);
    expect(greetingLine(setup.profile)).toBe('Greet the caller now, saying: "Hi, thanks for calling Acme."');
    expect(setup.dynamicTools).toEqual([]);
  });
});
