// Setting a call up at its edges: what ai-server is asked, how an outbound call differs (its opening,
// its tools, the answering-machine verdict before it speaks), and what happens when a part fails or
// the caller is already gone.

import { ScriptedRealtimeConnection } from '@switchboard/realtime/testing';
import type { OutboundCallSetup } from '@switchboard/service-kit/clients/ai-server';
import { describe, expect, it } from 'vitest';
import type { AmdGateRequest, AmdWait } from '../outbound/amd-gate.ts';
import type { CallProfile } from '../ports/ai-server.ts';
import { memoryLogger } from '../testing/parts.ts';
import { CALL, FakeAiServer, FakeTwilioRest, PROFILE } from '../testing/session-harness.ts';
import { setUpCall } from './call-setup.ts';
import { CallLifecycle } from './lifecycle.ts';
import { APOLOGIES } from './lines.ts';

const BRAND_TOOL = {
  type: 'function' as const,
  name: 'order_status',
  description: 'Looks an order up',
  parameters: { type: 'object', properties: {} },
};
const OUTCOME_TOOL = {
  type: 'function' as const,
  name: 'record_outcome',
  description: 'Records how the call went',
  parameters: { type: 'object', properties: {} },
};
const OUTBOUND: OutboundCallSetup = {
  outboundCallId: 'oc_1',
  opening: 'Say you are calling about the delivery tomorrow.',
  tools: [OUTCOME_TOOL],
};

/** ai-server for one call: its prompt request recorded, its answers switchable. */
class SetupAiServer extends FakeAiServer {
  outbound: OutboundCallSetup | undefined;
  toolsFail = false;
  promptAsked: unknown[] = [];
  override async getSystemPrompt(_key?: string, q?: unknown) {
    this.promptAsked.push(q);
    return { instructions: 'You are Acme.', ...(this.outbound ? { outbound: this.outbound } : {}) };
  }
  override async getAvailableTools() {
    if (this.toolsFail) throw new Error('ai-server tools 503');
    return this.tools;
  }
}

function rig(opts: { amd?: AmdWait } = {}) {
  const aiServer = new SetupAiServer();
  aiServer.tools = [BRAND_TOOL];
  const twilioRest = new FakeTwilioRest();
  const { log, lines } = memoryLogger();
  const lifecycle = new CallLifecycle({ twilioRest, callSid: CALL.callSid, log });
  const rt = new ScriptedRealtimeConnection();
  const accepted: Array<[CallProfile, boolean]> = [];
  const amdAsked: AmdGateRequest[] = [];
  let realtimeUnavailable = 0;
  let open = async () => rt;
  const run = () =>
    setUpCall({
      call: CALL,
      aiServer,
      lifecycle,
      log,
      open: () => open(),
      onAccepted: (profile, outbound) => void accepted.push([profile, outbound]),
      onRealtimeUnavailable: async () => void realtimeUnavailable++,
      ...(opts.amd
        ? {
            amdGate: async (req: AmdGateRequest) => {
              amdAsked.push(req);
              return opts.amd!;
            },
          }
        : {}),
    });
  const amdLogged = () => lines.filter((l) => l.includes('answering machine detection'));
  return {
    aiServer,
    twilioRest,
    lifecycle,
    rt,
    accepted,
    amdAsked,
    run,
    amdLogged,
    realtimeUnavailable: () => realtimeUnavailable,
    openWith: (fn: () => Promise<ScriptedRealtimeConnection>) => {
      open = fn;
    },
  };
}

describe('an inbound call', () => {
  it("asks for the prompt with the caller's facts and starts with the profile and the brand's tools", async () => {
    const r = rig({ amd: 'machine' });
    const setup = await r.run();
    expect(r.aiServer.promptAsked).toEqual([
      { callerNumber: CALL.callerNumber, isSip: CALL.isSip, callSid: CALL.callSid },
    ]);
    expect(setup).toMatchObject({ rt: r.rt, profile: PROFILE, instructions: 'You are Acme.' });
    expect(setup!.dynamicTools).toEqual([BRAND_TOOL]);
    expect(r.accepted).toEqual([[PROFILE, false]]);
    // No answering-machine wait on a call the caller placed, even with a gate configured.
    expect(r.amdAsked).toEqual([]);
    expect(r.rt.closedNow).toBe(false);
    expect(r.amdLogged()).toEqual([]);
  });

  it("goes ahead without the brand's tools when ai-server cannot list them", async () => {
    const r = rig();
    r.aiServer.toolsFail = true;
    const setup = await r.run();
    expect(setup!.dynamicTools).toEqual([]);
    expect(r.amdLogged()).toEqual([]);
  });
});

describe('an outbound call', () => {
  it('opens with its task, has its own tools after the brand ones, and is accepted as outbound', async () => {
    const r = rig({ amd: 'human' });
    r.aiServer.outbound = OUTBOUND;
    const setup = await r.run();
    const profile = { ...PROFILE, opening: OUTBOUND.opening };
    expect(setup).toMatchObject({ profile, dynamicTools: [BRAND_TOOL, OUTCOME_TOOL] });
    expect(r.accepted).toEqual([[profile, true]]);
    expect(r.amdLogged()).toEqual([]);
  });

  it('keeps its own tools when the brand tools are unavailable', async () => {
    const r = rig();
    r.aiServer.outbound = OUTBOUND;
    r.aiServer.toolsFail = true;
    expect((await r.run())!.dynamicTools).toEqual([OUTCOME_TOOL]);
  });

  it('asks the answering-machine gate about this call, which can tell when the call has ended', async () => {
    const r = rig({ amd: 'human' });
    r.aiServer.outbound = OUTBOUND;
    await r.run();
    expect(r.amdAsked).toEqual([
      { outboundCallId: 'oc_1', callSid: CALL.callSid, isEnded: expect.any(Function) },
    ]);
    const { isEnded } = r.amdAsked[0]!;
    expect(isEnded()).toBe(false);
    r.lifecycle.end('caller_hangup');
    expect(isEnded()).toBe(true);
  });

  it.each([
    ['machine', 'answering machine'],
    ['ended', 'call ended'],
  ] as const)('on a %s verdict, never speaks: the Realtime socket closes (%s)', async (verdict, reason) => {
    const r = rig({ amd: verdict });
    r.aiServer.outbound = OUTBOUND;
    expect(await r.run()).toBeUndefined();
    expect(await r.rt.closed).toEqual({ code: 1000, reason, byClient: true });
    expect(r.amdLogged()).toHaveLength(1);
  });

  it('with no verdict in time, speaks anyway and logs it', async () => {
    const r = rig({ amd: 'no_verdict' });
    r.aiServer.outbound = OUTBOUND;
    expect(await r.run()).toMatchObject({ rt: r.rt });
    expect(r.rt.closedNow).toBe(false);
    expect(r.amdLogged()).toEqual([expect.stringContaining('"amd":"no_verdict"')]);
  });

  it('a human who hung up while the socket opened: the socket closes, nothing starts', async () => {
    const r = rig({ amd: 'human' });
    r.aiServer.outbound = OUTBOUND;
    r.openWith(async () => {
      r.lifecycle.end('caller_hangup');
      return r.rt;
    });
    expect(await r.run()).toBeUndefined();
    expect(await r.rt.closed).toMatchObject({ code: 1000, reason: 'call ended' });
  });
});

describe('when setup fails', () => {
  it('the caller hears the apology when the profile cannot be had', async () => {
    const r = rig();
    r.aiServer.failProfile = true;
    expect(await r.run()).toBeUndefined();
    expect(r.twilioRest.updates.map((u) => u.twiml)).toEqual([
      expect.stringContaining(`<Say language="en-US">${APOLOGIES.default}</Say>`),
    ]);
    expect(r.lifecycle.endReason).toBe('profile_unavailable');
  });

  it('a caller who hung up meanwhile gets no apology', async () => {
    const r = rig();
    const getBotProfile = r.aiServer.getBotProfile.bind(r.aiServer);
    r.aiServer.getBotProfile = async (ref) => {
      r.lifecycle.end('caller_hangup');
      r.aiServer.failProfile = true;
      return getBotProfile(ref);
    };
    expect(await r.run()).toBeUndefined();
    expect(r.twilioRest.updates).toEqual([]);
    expect(r.lifecycle.endReason).toBe('caller_hangup');
  });

  it('the Realtime socket failing gives the fallback, unless the caller has already hung up', async () => {
    const live = rig();
    live.openWith(async () => Promise.reject(new Error('connect ECONNREFUSED')));
    expect(await live.run()).toBeUndefined();
    expect(live.realtimeUnavailable()).toBe(1);

    const gone = rig();
    gone.openWith(async () => {
      gone.lifecycle.end('caller_hangup');
      throw new Error('connect ECONNREFUSED');
    });
    expect(await gone.run()).toBeUndefined();
    expect(gone.realtimeUnavailable()).toBe(0);
  });
});
