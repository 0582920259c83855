/**
 * Fidelity proof: the official openai SDK (`OpenAIRealtimeWS` from `openai/realtime/ws`) talks to
 * the simulator over the GA protocol, through every feature the simulator offers.
 */
import OpenAI from 'openai';
import type { OpenAIRealtimeError } from 'openai/realtime/index';
import { OpenAIRealtimeWS } from 'openai/realtime/ws';
import type { RealtimeClientEvent, RealtimeServerEvent } from 'openai/resources/realtime/realtime';
import { afterEach, describe, expect, it } from 'vitest';
import type { Scenario } from './scenario.ts';
import { connectRealtimeSdk, realtimeSdkTarget } from './sdk.ts';
import { type RealtimeSimulator, type RealtimeSimulatorOptions, startRealtimeSimulator } from './server.ts';
import { b64, concatBytes, mulawQuiet, mulawTone } from './test-support.ts';

const scenario: Scenario = {
  greeting: 'Hi, thanks for calling Acme.',
  turns: [
    {
      user: 'where is my order',
      say: 'Let me check.',
      toolCalls: [{ name: 'get_knowledge', arguments: { query: 'order status' } }],
      afterTools: 'Your order ships tomorrow.',
    },
    { userText: '^digit: ?2$', say: 'Connecting you to billing.' },
  ],
};

type Ev = RealtimeServerEvent;
type Of<T extends Ev['type']> = Extract<Ev, { type: T }>;

/** Records what the SDK emits, and waits for it. */
class SdkRecorder {
  readonly events: Ev[] = [];
  readonly errors: OpenAIRealtimeError[] = [];
  readonly closed: Promise<number>;
  private wake: Array<() => void> = [];

  constructor(readonly rt: OpenAIRealtimeWS) {
    rt.on('event', (e) => {
      this.events.push(e);
      this.notify();
    });
    rt.on('error', (err) => {
      this.errors.push(err);
      this.notify();
    });
    this.closed = new Promise((resolve) => rt.socket.on('close', (code) => resolve(code)));
  }

  send(event: RealtimeClientEvent): number {
    const mark = this.events.length;
    this.rt.send(event);
    return mark;
  }

  async next<T extends Ev['type']>(type: T, from = 0): Promise<Of<T>> {
    return (await this.until(() => this.events.find((e, i) => i >= from && e.type === type))) as Of<T>;
  }

  async nextError(from = 0): Promise<OpenAIRealtimeError> {
    return this.until(() => this.errors[from]);
  }

  all<T extends Ev['type']>(type: T, from = 0): Array<Of<T>> {
    return this.events.filter((e, i) => i >= from && e.type === type) as Array<Of<T>>;
  }

  private notify(): void {
    for (const w of this.wake.splice(0)) w();
  }

  private until<T>(probe: () => T | undefined, timeoutMs = 5000): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for an SDK event')), timeoutMs);
      const check = () => {
        const found = probe();
        if (found !== undefined) {
          clearTimeout(timer);
          resolve(found);
        } else this.wake.push(check);
      };
      check();
    });
  }
}

let sim: RealtimeSimulator | null = null;
const sockets: OpenAIRealtimeWS[] = [];

afterEach(async () => {
  for (const rt of sockets.splice(0)) rt.socket.terminate();
  await sim?.close();
  sim = null;
});

async function start(options: RealtimeSimulatorOptions = {}) {
  sim = await startRealtimeSimulator({ scenario, pacing: 'burst', ...options });
  return sim;
}

/** The recipe the voice-server uses: SDK settings from a ws:// URL, listeners attached at once. */
function openSdk(url: string, apiKey = 'sk-test'): SdkRecorder {
  const target = realtimeSdkTarget(url);
  const client = new OpenAI({ apiKey, baseURL: target.baseURL });
  const rt = new OpenAIRealtimeWS({ model: 'gpt-realtime', options: target.wsOptions }, client);
  sockets.push(rt);
  return new SdkRecorder(rt);
}

const telephonyUpdate: RealtimeClientEvent = {
  type: 'session.update',
  session: {
    type: 'realtime',
    instructions: 'You are the Acme phone agent.',
    audio: {
      input: {
        format: { type: 'audio/pcmu' },
        turn_detection: {
          type: 'server_vad',
          threshold: 0.9,
          prefix_padding_ms: 300,
          silence_duration_ms: 500,
        },
        noise_reduction: { type: 'near_field' },
      },
      output: { format: { type: 'audio/pcmu' }, voice: 'marin' },
    },
    tools: [
      {
        type: 'function',
        name: 'get_knowledge',
        description: 'Search the knowledge base',
        parameters: { type: 'object', properties: { query: { type: 'string' } } },
      },
    ],
    tool_choice: 'auto',
  },
};

function appendFrames(rec: SdkRecorder, audio: Uint8Array): void {
  for (let at = 0; at < audio.length; at += 160) {
    rec.send({ type: 'input_audio_buffer.append', audio: b64(audio.subarray(at, at + 160)) });
  }
}

describe('openai SDK against the simulator', () => {
  it('builds SDK settings from a Realtime URL', () => {
    expect(realtimeSdkTarget('ws://127.0.0.1:4010/v1/realtime?model=gpt-realtime')).toMatchObject({
      baseURL: 'http://127.0.0.1:4010/v1',
      model: 'gpt-realtime',
      wsOptions: { createConnection: expect.any(Function) },
    });
    expect(realtimeSdkTarget('wss://api.openai.com/v1/realtime')).toEqual({
      baseURL: 'https://api.openai.com/v1',
      model: null,
      wsOptions: {},
    });
    expect(() => realtimeSdkTarget('ftp://x/v1/realtime')).toThrow('scheme');
  });

  it('connects with connectRealtimeSdk, and a wrong key is refused with 401', async () => {
    await start({ apiKey: 'sk-good' });
    const rt = await connectRealtimeSdk(sim!, { apiKey: 'sk-good', model: 'gpt-realtime-mini' });
    sockets.push(rt);
    expect(rt.url.protocol).toBe('wss:');
    expect(sim!.sessions[0]!.model).toBe('gpt-realtime-mini');
    await expect(connectRealtimeSdk(sim!, { apiKey: 'sk-bad' })).rejects.toThrow('401');
  });

  it('runs a whole call: session.update, VAD turn, audio reply, function call round trip, errors, truncate, retrieve', async () => {
    await start();
    const rec = openSdk(sim!.url);
    const created = await rec.next('session.created');
    expect(created.session.type).toBe('realtime');

    // session.update: good, then bad (error through the SDK's error channel, param named)
    const updated = await rec.next('session.updated', rec.send(telephonyUpdate));
    expect(updated.session).toMatchObject({
      type: 'realtime',
      audio: { input: { format: { type: 'audio/pcmu' } }, output: { format: { type: 'audio/pcmu' } } },
    });
    rec.send({
      type: 'session.update',
      event_id: 'evt_bad_update',
      session: { type: 'realtime', audio: { output: { speed: 3 } } },
    });
    const bad = await rec.nextError(0);
    expect(bad.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'decimal_above_max_value',
      param: 'session.audio.output.speed',
      event_id: 'evt_bad_update',
    });
    expect(bad.message).toContain('param=session.audio.output.speed');

    // greeting on response.create
    const greetingDone = await rec.next('response.done', rec.send({ type: 'response.create' }));
    expect(greetingDone.response.status).toBe('completed');

    // caller speaks: VAD events, committed user item, automatic response with audio and transcript
    const mark = rec.events.length;
    appendFrames(rec, concatBytes(mulawQuiet(400), mulawTone(900), mulawQuiet(900)));
    const started = await rec.next('input_audio_buffer.speech_started', mark);
    const stopped = await rec.next('input_audio_buffer.speech_stopped', mark);
    const committed = await rec.next('input_audio_buffer.committed', mark);
    expect(started.audio_start_ms).toBe(100);
    expect(stopped.audio_end_ms).toBe(1800);
    expect(committed.item_id).toBe(started.item_id);
    expect(committed.previous_item_id).toBe(greetingDone.response.output?.[0]?.id);
    // no transcription configured: the item carries no caller text (GA `RealtimeConversationItemMessageUser`)
    const userItem = await rec.next('conversation.item.done', mark);
    expect(userItem.item).toMatchObject({
      role: 'user',
      content: [{ type: 'input_audio', transcript: null }],
    });

    const turnDone = await rec.next('response.done', mark);
    const responseId = turnDone.response.id!;
    const audioDeltas = rec
      .all('response.output_audio.delta', mark)
      .filter((e) => e.response_id === responseId);
    expect(audioDeltas.length).toBeGreaterThan(1);
    expect(audioDeltas.reduce((n, e) => n + Buffer.from(e.delta, 'base64').length, 0)).toBe(13 * 70 * 8);
    const transcript = rec
      .all('response.output_audio_transcript.delta', mark)
      .filter((e) => e.response_id === responseId)
      .map((e) => e.delta)
      .join('');
    expect(transcript).toBe('Let me check.');
    expect((await rec.next('response.output_audio_transcript.done', mark)).transcript).toBe('Let me check.');
    const args = await rec.next('response.function_call_arguments.done', mark);
    expect(args).toMatchObject({ name: 'get_knowledge', arguments: '{"query":"order status"}' });
    expect(turnDone.response.output?.map((o) => o.type)).toEqual(['message', 'function_call']);
    expect(turnDone.response.usage?.output_token_details?.audio_tokens).toBeGreaterThan(0);

    // function_call_output for an unknown call is refused; the right one is accepted and answered
    const errorsBefore = rec.errors.length;
    rec.send({
      type: 'conversation.item.create',
      item: { type: 'function_call_output', call_id: 'call_unknown', output: '{}' },
    });
    expect((await rec.nextError(errorsBefore)).error?.param).toBe('item.call_id');
    const outputMark = rec.send({
      type: 'conversation.item.create',
      item: { type: 'function_call_output', call_id: args.call_id, output: '{"eta":"tomorrow"}' },
    });
    const outputAdded = await rec.next('conversation.item.added', outputMark);
    expect(outputAdded.item).toMatchObject({ type: 'function_call_output', call_id: args.call_id });
    await rec.next('conversation.item.done', outputMark);
    const followUp = await rec.next('response.done', rec.send({ type: 'response.create' }));
    const followUpItem = followUp.response.output?.[0];
    expect(followUpItem).toMatchObject({
      content: [{ type: 'output_audio', transcript: 'Your order ships tomorrow.' }],
    });

    // truncate: within the generated audio works, past it is refused
    const truncMark = rec.send({
      type: 'conversation.item.truncate',
      item_id: followUpItem!.id!,
      content_index: 0,
      audio_end_ms: 400,
    });
    const truncated = await rec.next('conversation.item.truncated', truncMark);
    expect(truncated).toMatchObject({ item_id: followUpItem!.id, audio_end_ms: 400 });
    const beforeOvershoot = rec.errors.length;
    rec.send({
      type: 'conversation.item.truncate',
      item_id: followUpItem!.id!,
      content_index: 0,
      audio_end_ms: 5000,
    });
    expect((await rec.nextError(beforeOvershoot)).error).toMatchObject({
      code: 'invalid_value',
      message: expect.stringMatching(/^Audio content of \d+ms is already shorter than 5000ms$/),
    });

    // retrieve the caller's audio item
    const retrieved = await rec.next(
      'conversation.item.retrieved',
      rec.send({ type: 'conversation.item.retrieve', item_id: committed.item_id }),
    );
    const part = (retrieved.item as { content: Array<{ audio?: string }> }).content[0]!;
    expect(Buffer.from(part.audio!, 'base64').length).toBe((1800 - 100) * 8);

    // DTMF as a text item drives the next reply; delete works
    const dtmfMark = rec.send({
      type: 'conversation.item.create',
      item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'digit: 2' }] },
    });
    const dtmf = await rec.next('conversation.item.added', dtmfMark);
    const billing = await rec.next('response.done', rec.send({ type: 'response.create' }));
    expect(billing.response.output?.[0]).toMatchObject({
      content: [{ type: 'output_audio', transcript: 'Connecting you to billing.' }],
    });
    const deleted = await rec.next(
      'conversation.item.deleted',
      rec.send({ type: 'conversation.item.delete', item_id: dtmf.item.id! }),
    );
    expect(deleted.item_id).toBe(dtmf.item.id);

    // the session's log saw the same conversation
    const session = sim!.sessions[0]!;
    expect(session.received('conversation.item.truncate')).toHaveLength(2);
    expect(session.sent('error')).toHaveLength(rec.errors.length);
  });

  it('cancels an active response, refuses a second cancel and a concurrent create', async () => {
    await start({ faults: { firstDeltaLatencyMs: 60_000 } });
    const rec = openSdk(sim!.url);
    await rec.next('session.created');
    const created = await rec.next('response.created', rec.send({ type: 'response.create' }));
    const errorsAtStart = rec.errors.length;
    rec.send({ type: 'response.create', event_id: 'evt_second' });
    expect((await rec.nextError(errorsAtStart)).error).toMatchObject({
      code: 'conversation_already_has_active_response',
      event_id: 'evt_second',
    });
    const done = await rec.next('response.done', rec.send({ type: 'response.cancel' }));
    expect(done.response).toMatchObject({
      id: created.response.id,
      status: 'cancelled',
      status_details: { type: 'cancelled', reason: 'client_cancelled' },
    });
    const errorsBefore = rec.errors.length;
    rec.send({ type: 'response.cancel' });
    expect((await rec.nextError(errorsBefore)).error?.code).toBe('response_cancel_not_active');
  });

  it('sees late deltas after its cancel when the race is enabled', async () => {
    await start({ pacing: 'realtime', faults: { lateDeltasAfterCancel: 2 } });
    const rec = openSdk(sim!.url);
    await rec.next('session.created');
    rec.send({ type: 'response.create' });
    await rec.next('response.output_audio.delta');
    const cancelMark = rec.send({ type: 'response.cancel' });
    const done = await rec.next('response.done', cancelMark);
    expect(done.response.status).toBe('cancelled');
    const session = sim!.sessions[0]!;
    const cancelSeq = session.received('response.cancel')[0]!.seq;
    expect(session.sent('response.output_audio.delta').filter((e) => e.seq > cancelSeq)).toHaveLength(2);
  });

  it('surfaces faults to the SDK: dropped socket and session_expired', async () => {
    await start({ faults: { dropSocket: { afterAudioDeltas: 2, mode: 'terminate' } } });
    const dropped = openSdk(sim!.url);
    await dropped.next('session.created');
    dropped.send({ type: 'response.create' });
    expect(await dropped.closed).toBe(1006);
    expect(dropped.all('response.output_audio.delta')).toHaveLength(2);

    sim!.setFaults({
      dropSocket: { afterAudioDeltas: 1_000_000, mode: 'terminate' },
      sessionExpiresAfterMs: 50,
    });
    const expiring = openSdk(sim!.url);
    await expiring.next('session.created');
    const expired = await expiring.nextError(0);
    expect(expired.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'session_expired',
      message: 'Your session hit the maximum duration of 60 minutes.',
    });
    expect(await expiring.closed).toBe(1001);
  });
});
