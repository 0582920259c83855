// The tool bridge alone, on a real audio path: what reaches the Realtime socket (function_call_output,
// response.create, notes), what the caller hears of the thinking sound, what a tool is given, and what
// each run records.
import type { RealtimeClientEvent } from '@switchboard/realtime';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CallControl } from '../ports/call-control.ts';
import type { ToolRun } from '../telemetry/call-tracer.ts';
import { audioPath, mulaw } from '../testing/parts.ts';
import { CALL, FakeAiServer, FakeTwilioRest, PROFILE } from '../testing/session-harness.ts';
import { THINKING_AFTER_MS } from '../tools/tool-runner.ts';
import { builtinTools } from '../tools/toolset.ts';
import type { ToolHandler, ToolResult } from '../tools/types.ts';
import { AfterReply } from './after-reply.ts';
import { CallLifecycle } from './lifecycle.ts';
import type { RealtimeLink } from './realtime-link.ts';
import { ToolBridge, type ToolBridgeDeps } from './tool-bridge.ts';

afterEach(() => {
  vi.useRealTimers();
});

/** A tool the test defines: `run` decides its output. */
function tool(name: string, run: (args: Record<string, unknown>, ctx: CallControl) => Promise<ToolResult>) {
  return {
    schema: { type: 'function', name, description: name, parameters: { type: 'object', properties: {} } },
    run,
  } satisfies ToolHandler;
}

/** A promise the test settles. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** The bridge on a real audio path, with a link whose session generation the test can move. */
function rig(opts: Partial<Pick<ToolBridgeDeps, 'onToolRan' | 'knowledgeLanguage'>> = {}) {
  const p = audioPath();
  const lifecycle = new CallLifecycle({
    twilioRest: new FakeTwilioRest(),
    callSid: CALL.callSid,
    log: p.log,
  });
  const link = {
    generation: 1,
    send: (e: RealtimeClientEvent) => p.rt.send(e),
    note: (text: string) =>
      p.rt.send({
        type: 'conversation.item.create',
        item: { type: 'message', role: 'system', content: [{ type: 'input_text', text }] },
      }),
  };
  const afterReply = new AfterReply({ playback: p.playback, lifecycle, log: p.log, tellModel: () => {} });
  const bridge = new ToolBridge({
    call: CALL,
    log: p.log,
    lifecycle,
    link: link as unknown as RealtimeLink,
    responses: p.responses,
    afterReply,
    audioOut: p.audioOut,
    playback: p.playback,
    transcript: p.transcript,
    aiServer: new FakeAiServer(),
    appServer: p.appServer,
    ...opts,
  });
  let n = 0;
  /** The model calls `name` alone in a response that then ends. */
  const call = (name: string, args = '{}') => {
    const id = ++n;
    bridge.onFunctionCall({ callId: `call_${id}`, name, argumentsJson: args, responseId: `resp_${id}` });
    bridge.onResponseDone(`resp_${id}`);
    return `call_${id}`;
  };
  const outputs = () =>
    p.rt
      .sentOfType('conversation.item.create')
      .filter((e) => e.item.type === 'function_call_output')
      .map((e) => {
        const item = e.item as { call_id: string; output: string };
        return { callId: item.call_id, output: JSON.parse(item.output) as unknown };
      });
  const notes = () =>
    p.rt
      .sentOfType('conversation.item.create')
      .filter((e) => e.item.type === 'message')
      .map((e) => (e.item as { content: Array<{ text: string }> }).content[0]!.text);
  const thinkingFrames = () => p.transport.frames('media').length;
  return { ...p, lifecycle, link, bridge, call, outputs, notes, thinkingFrames };
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('before the call has its tools', () => {
  it('has nothing running and ignores what the model sends', () => {
    const r = rig();
    expect(r.bridge.pending).toBe(0);
    expect(r.bridge.liveTimers).toBe(0);
    expect(() => {
      r.bridge.onFunctionCall({ callId: 'c1', name: 'end_call', argumentsJson: '{}', responseId: 'r1' });
      r.bridge.onResponseDone('r1');
      r.bridge.onBargeIn();
      r.bridge.dispose();
    }).not.toThrow();
    expect(r.rt.sent).toEqual([]);
  });
});

describe('the tools a call starts with', () => {
  it('are the built-ins when the brand adds none', () => {
    const r = rig();
    const names = r.bridge.start(PROFILE, []).map((s) => s.name);
    expect(names).toEqual(builtinTools().map((t) => t.schema.name));
  });
});

describe('a tool running in the background', () => {
  it('counts as pending with its thinking timer until its output is sent', async () => {
    const r = rig();
    const answer = deferred<ToolResult>();
    r.bridge.start(PROFILE, [], [tool('slow', () => answer.promise)]);
    r.call('slow');
    expect(r.bridge.pending).toBe(1);
    expect(r.bridge.liveTimers).toBe(1);
    answer.resolve({ output: { ok: true } });
    await flush();
    expect(r.bridge.pending).toBe(0);
    expect(r.bridge.liveTimers).toBe(0);
    expect(r.outputs()).toEqual([{ callId: 'call_1', output: { ok: true } }]);
    expect(r.rt.sentOfType('response.create')).toHaveLength(1);
  });

  it('is given a signal that aborts when the call ends', async () => {
    const r = rig();
    let seen: AbortSignal | undefined;
    const wait = tool('wait', (_a, ctx) => {
      seen = ctx.signal;
      return new Promise(() => {});
    });
    r.bridge.start(PROFILE, [], [wait]);
    r.call('wait');
    await flush();
    expect(seen?.aborted).toBe(false);
    r.lifecycle.end('caller_hangup');
    expect(seen?.aborted).toBe(true);
    r.bridge.dispose();
  });

  it('reads the conversation so far and the knowledge language (none when the call has no language yet)', async () => {
    const withLanguage = rig({ knowledgeLanguage: () => 'es' });
    const without = rig();
    const seen: Array<{ transcript: string[]; language: string | undefined }> = [];
    const probe = tool('probe', async (_a, ctx) => {
      seen.push({ transcript: ctx.transcript().map((m) => m.text ?? ''), language: ctx.knowledgeLanguage() });
      return { output: { ok: true } };
    });
    for (const r of [withLanguage, without]) {
      r.transcript.add({
        role: 'caller',
        text: 'Where is my order?',
        startedAt: new Date().toISOString(),
        source: 'realtime',
      });
      r.bridge.start(PROFILE, [], [probe]);
      r.call('probe');
      await flush();
    }
    expect(seen).toEqual([
      { transcript: ['Where is my order?'], language: 'es' },
      { transcript: ['Where is my order?'], language: undefined },
    ]);
    expect(without.outputs()).toEqual([{ callId: 'call_1', output: { ok: true } }]);
  });

  it('answers a session that replaced the one it came from in words, at most 2000 characters of it', async () => {
    const r = rig();
    const answer = deferred<ToolResult>();
    r.bridge.start(PROFILE, [], [tool('slow', () => answer.promise)]);
    r.call('slow');
    r.link.generation = 2;
    answer.resolve({ output: { ok: true, text: 'x'.repeat(5000) } });
    await flush();
    expect(r.outputs()).toEqual([]);
    const [note] = r.notes();
    const prefix = 'A tool you called before the line dropped returned: ';
    expect(note).toBe(prefix + JSON.stringify({ ok: true, text: 'x'.repeat(5000) }).slice(0, 2000));
  });
});

describe('what a tool run records', () => {
  const outcomes: Array<{ what: string; output: unknown; ok: boolean }> = [
    { what: 'a result', output: { ok: true, result: 1 }, ok: true },
    { what: 'an object without ok', output: { orders: [] }, ok: true },
    { what: 'an error', output: { ok: false, error: 'no such order' }, ok: false },
    { what: 'text', output: 'shipped', ok: true },
    { what: 'null', output: null, ok: true },
  ];

  it.each(outcomes)('counts $what as ok=$ok, and sends it to the model as it is', async ({ output, ok }) => {
    const runs: ToolRun[] = [];
    const r = rig({ onToolRan: (run) => void runs.push(run) });
    r.bridge.start(PROFILE, [], [tool('t', async () => ({ output }))]);
    r.call('t', '{"id":"A1"}');
    await flush();
    expect(
      runs.map((run) => ({ name: run.call.name, args: run.args, output: run.output, ok: run.ok })),
    ).toEqual([{ name: 't', args: { id: 'A1' }, output, ok }]);
    expect(r.outputs()).toEqual([{ callId: 'call_1', output }]);
  });

  it('counts broken arguments and a throwing tool as failures', async () => {
    const runs: ToolRun[] = [];
    const r = rig({ onToolRan: (run) => void runs.push(run) });
    r.bridge.start(PROFILE, [], [tool('boom', async () => Promise.reject(new Error('db down')))]);
    r.call('boom', '{not json');
    r.call('boom');
    await flush();
    expect(runs.map((run) => run.ok)).toEqual([false, false]);
    expect(r.outputs().map((o) => o.output)).toEqual([
      { ok: false, error: expect.stringContaining('not valid JSON') },
      { ok: false, error: 'The boom tool failed: db down' },
    ]);
  });

  it('puts the run on the transcript as a tool entry, with its latency', async () => {
    const runs: ToolRun[] = [];
    const r = rig({ onToolRan: (run) => void runs.push(run) });
    r.bridge.start(PROFILE, [], [tool('lookup', async () => ({ output: { ok: true, status: 'shipped' } }))]);
    const callId = r.call('lookup', '{"order":"A1"}');
    await flush();
    const entry = r.transcript.messages().find((m) => m.role === 'tool');
    expect(entry).toMatchObject({
      role: 'tool',
      text: 'lookup',
      itemId: callId,
      source: 'tool',
      toolName: 'lookup',
      toolArguments: { order: 'A1' },
      toolResult: { ok: true, status: 'shipped' },
      latency: { responseMs: runs[0]!.durationMs },
    });
  });

  it('works without anyone listening for runs', async () => {
    const r = rig();
    r.bridge.start(PROFILE, [], [tool('t', async () => ({ output: { ok: true } }))]);
    r.call('t');
    await flush();
    expect(r.outputs()).toEqual([{ callId: 'call_1', output: { ok: true } }]);
    expect(r.rt.sentOfType('response.create')).toHaveLength(1);
  });
});

describe('the thinking sound', () => {
  it('is not played once the call has ended', async () => {
    vi.useFakeTimers();
    const r = rig();
    r.bridge.start(PROFILE, [], [tool('slow', () => new Promise(() => {}))]);
    r.call('slow');
    r.lifecycle.end('caller_hangup');
    await vi.advanceTimersByTimeAsync(THINKING_AFTER_MS * 4);
    expect(r.thinkingFrames()).toBe(0);
  });

  it('plays while a slow tool runs and is cut by its result', async () => {
    vi.useFakeTimers();
    const r = rig();
    const answer = deferred<ToolResult>();
    r.bridge.start(PROFILE, [], [tool('slow', () => answer.promise)]);
    r.call('slow');
    await vi.advanceTimersByTimeAsync(THINKING_AFTER_MS);
    expect(r.thinkingFrames()).toBeGreaterThan(0);
    answer.resolve({ output: { ok: true } });
    await vi.advanceTimersByTimeAsync(0);
    expect(r.order).toContain('twilio.clear');
    expect(r.playback.hasPendingAudio).toBe(false);
  });

  it("a result does not cut the agent's own audio still playing", async () => {
    const r = rig();
    const answer = deferred<ToolResult>();
    r.bridge.start(PROFILE, [], [tool('quick', () => answer.promise)]);
    r.call('quick');
    r.audioOut.agent('item_agent', mulaw(100));
    r.audioOut.endMark();
    answer.resolve({ output: { ok: true } });
    await flush();
    expect(r.outputs()).toHaveLength(1);
    expect(r.order).not.toContain('twilio.clear');
    expect(r.playback.onlyPending('item_agent')).toBe(true);
  });
});
