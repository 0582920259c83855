// After the outages: the ticket each fallback files (which fields, one per call by its idempotency
// key), who says the last line (the brand's voice, else Twilio), how the call ends, and what happens
// when the ticket or Twilio fails.
import { describe, expect, it } from 'vitest';
import type { CallProfile } from '../ports/ai-server.ts';
import type { AppServerClient, TranscriptMessage } from '../ports/app-server.ts';
import { FakeTwilioRest } from '../testing/fakes.ts';
import { memoryLogger } from '../testing/parts.ts';
import { SHORT_CALL } from '../testing/short-call.ts';
import { takeDropFallback } from './drop-fallback.ts';
import { CallLifecycle } from './lifecycle.ts';
import { DROP_CALLBACK, DROP_TRANSFER } from './lines.ts';

const call = SHORT_CALL;
const TARGET = '+14155550100';

const conversation: TranscriptMessage[] = [
  { sequence: 1, role: 'caller', text: 'Where is my order?', startedAt: '2026-01-01T00:00:00Z' },
  { sequence: 2, role: 'agent', text: 'Let me check.', startedAt: '2026-01-01T00:00:02Z' },
] as TranscriptMessage[];

/** An app-server that records the tickets asked for; `fail` makes every ticket request reject. */
function ticketDesk(fail = false) {
  const handoffs: unknown[] = [];
  const callbacks: unknown[] = [];
  const file = (into: unknown[]) => async (callSid: string, input: unknown) => {
    if (fail) throw new Error('app-server unavailable');
    into.push({ callSid, ...(input as object) });
    return { ticketId: 't1', callbackId: 'c1' };
  };
  const appServer = {
    createHandoffTicket: file(handoffs),
    createCallbackTicket: file(callbacks),
  } as unknown as AppServerClient;
  return { appServer, handoffs, callbacks };
}

class RefusingTwilioRest extends FakeTwilioRest {
  override async updateCallTwiml(): Promise<void> {
    throw Object.assign(new Error('Twilio answered 500'), { status: 500 });
  }
}

async function fallBack(
  opts: {
    profile?: CallProfile | undefined;
    fatalCode?: string;
    sayInVoice?: (text: string) => Promise<boolean>;
    ticketsFail?: boolean;
    twilioRest?: FakeTwilioRest;
  } = {},
) {
  const twilioRest = opts.twilioRest ?? new FakeTwilioRest();
  const { log, lines } = memoryLogger();
  const lifecycle = new CallLifecycle({ twilioRest, callSid: call.callSid, log });
  const desk = ticketDesk(opts.ticketsFail);
  await takeDropFallback({
    call,
    profile: 'profile' in opts ? opts.profile : { key: 'acme', transferTarget: TARGET },
    lifecycle,
    appServer: desk.appServer,
    log,
    transcript: async () => conversation,
    knowledgeChunkIds: new Set(['chunk_1', 'chunk_2']),
    ...(opts.fatalCode ? { fatalCode: opts.fatalCode } : {}),
    ...(opts.sayInVoice ? { sayInVoice: opts.sayInVoice } : {}),
  });
  const warnings = lines.map((l) => JSON.parse(l) as { level: number }).filter((r) => r.level >= 40);
  return { ...desk, twilioRest, lifecycle, warnings };
}

describe('the transfer after the drops', () => {
  it('files one warm hand-off ticket with the conversation and the knowledge used', async () => {
    const { handoffs, twilioRest, lifecycle } = await fallBack();
    expect(handoffs).toEqual([
      {
        callSid: 'CA1',
        summary: expect.stringMatching(/lost its connection.*transferred/),
        transcriptExcerpt: 'Caller: Where is my order?\nAgent: Let me check.',
        knowledgeChunkIds: ['chunk_1', 'chunk_2'],
        transferTarget: TARGET,
        idempotencyKey: 'handoff:CA1',
      },
    ]);
    expect(twilioRest.updates[0]!.twiml).toContain(`<Number>${TARGET}</Number>`);
    expect(lifecycle.endReason).toBe('transferred');
  });

  it('a hand-off ticket that cannot be filed does not stop the transfer; a warning says so', async () => {
    const { twilioRest, lifecycle, warnings } = await fallBack({ ticketsFail: true });
    expect(twilioRest.updates).toHaveLength(1);
    expect(lifecycle.endReason).toBe('transferred');
    expect(warnings).toHaveLength(1);
  });

  it('Twilio refusing the transfer ends the call as realtime_unavailable, with a warning', async () => {
    const { lifecycle, warnings } = await fallBack({ twilioRest: new RefusingTwilioRest() });
    expect(lifecycle.isEnded).toBe(true);
    expect(lifecycle.endReason).toBe('realtime_unavailable');
    expect(lifecycle.transferring).toBe(false);
    expect(warnings).toHaveLength(1);
  });
});

describe('the callback promise after the drops (no transfer target)', () => {
  it('files one high-priority callback ticket for the caller', async () => {
    const { callbacks, handoffs } = await fallBack({ profile: { key: 'acme' } as CallProfile });
    expect(handoffs).toEqual([]);
    expect(callbacks).toEqual([
      {
        callSid: 'CA1',
        phone: '+14155550123',
        reason: expect.stringMatching(/technical problem.*call the customer back/),
        timezone: 'UTC',
        priority: 'high',
        idempotencyKey: 'callback:CA1:dropped',
      },
    ]);
  });

  it('with no profile at all (nor a call language), the caller is still promised a callback in English', async () => {
    const { callbacks, twilioRest, lifecycle } = await fallBack({ profile: undefined });
    expect(callbacks).toHaveLength(1);
    expect(twilioRest.updates[0]!.twiml).toContain(DROP_CALLBACK);
    expect(lifecycle.endReason).toBe('realtime_unavailable');
  });

  it("said in the brand's voice, the call is hung up through Twilio with no <Say>", async () => {
    const said: string[] = [];
    const { twilioRest, lifecycle } = await fallBack({
      profile: { key: 'acme' } as CallProfile,
      sayInVoice: async (text) => {
        said.push(text);
        return true;
      },
    });
    expect(said).toEqual([DROP_CALLBACK]);
    expect(twilioRest.updates).toEqual([]);
    expect(twilioRest.hangups).toEqual(['CA1']);
    expect(lifecycle.endReason).toBe('realtime_unavailable');
  });

  it("when the brand's voice cannot say it, Twilio says it and hangs up", async () => {
    const { twilioRest, lifecycle } = await fallBack({
      profile: { key: 'acme' } as CallProfile,
      sayInVoice: async () => false,
    });
    expect(twilioRest.updates).toHaveLength(1);
    expect(twilioRest.updates[0]!.twiml).toMatch(/<Say[^>]*>[^<]*call you back.*<Hangup\/>/);
    expect(lifecycle.endReason).toBe('realtime_unavailable');
  });

  it('a callback ticket that cannot be filed still ends the call with the apology; a warning says so', async () => {
    const { twilioRest, lifecycle, warnings } = await fallBack({
      profile: { key: 'acme' } as CallProfile,
      ticketsFail: true,
    });
    expect(twilioRest.updates).toHaveLength(1);
    expect(lifecycle.endReason).toBe('realtime_unavailable');
    expect(warnings).toHaveLength(1);
  });
});

it('the transfer line is said in the brand voice when it can be, and Twilio then only dials', async () => {
  const said: string[] = [];
  const { twilioRest } = await fallBack({
    sayInVoice: async (text) => {
      said.push(text);
      return true;
    },
  });
  expect(said).toEqual([DROP_TRANSFER]);
  expect(twilioRest.updates[0]!.twiml).not.toContain('<Say');
});
