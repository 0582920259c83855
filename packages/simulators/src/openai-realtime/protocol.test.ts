import { mulawToPcm16 } from '@switchboard/telephony';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { encodeFromPcm16 } from './audio-format.ts';
import type { Scenario } from './scenario.ts';
import { type RealtimeSimulator, type RealtimeSimulatorOptions, startRealtimeSimulator } from './server.ts';
import {
  concatBytes,
  mulawQuiet,
  mulawTone,
  RawRealtimeClient,
  type ServerEvent,
  tonePcm16,
} from './test-support.ts';

const scenario: Scenario = {
  greeting: 'Hi, thanks for calling Acme.',
  turns: [
    {
      user: 'where is my order',
      say: 'Let me check.',
      toolCalls: [{ name: 'get_knowledge', arguments: { query: 'order status' } }],
      afterTools: 'Your order ships tomorrow.',
    },
    { user: 'thanks', say: 'You are welcome.' },
    { userText: '^digit: ?1$', say: 'You pressed one.' },
  ],
  default: 'Could you say that again?',
  idle: 'Are you still there?',
};

let sim: RealtimeSimulator | null = null;
const clients: RawRealtimeClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await sim?.close();
  sim = null;
});

async function start(options: RealtimeSimulatorOptions = {}): Promise<RealtimeSimulator> {
  sim = await startRealtimeSimulator({ scenario, pacing: 'burst', ...options });
  return sim;
}

async function connect(): Promise<RawRealtimeClient> {
  const client = await RawRealtimeClient.connect(sim!.url);
  clients.push(client);
  await client.next('session.created');
  return client;
}

const telephony = (turnDetection: unknown = { type: 'server_vad' }) => ({
  type: 'session.update',
  session: {
    type: 'realtime',
    audio: {
      input: { format: { type: 'audio/pcmu' }, turn_detection: turnDetection },
      output: { format: { type: 'audio/pcmu' } },
    },
  },
});

async function telephonyClient(turnDetection?: unknown): Promise<RawRealtimeClient> {
  const client = await connect();
  await client.request(telephony(turnDetection), 'session.updated');
  return client;
}

/** Speech of `speechMs` framed by silence, in 20 ms appends. */
function speak(client: RawRealtimeClient, speechMs = 800, leadMs = 500, tailMs = 1000): void {
  client.appendAudio(concatBytes(mulawQuiet(leadMs), mulawTone(speechMs), mulawQuiet(tailMs)));
}

function responseEvents(client: RawRealtimeClient, responseId: string): ServerEvent[] {
  return client.events.filter(
    (e) => e.response_id === responseId || (e.response as { id?: string } | undefined)?.id === responseId,
  );
}

function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.once('error', (err) => {
      if (!String(err.message).includes('closed before')) reject(err);
    });
  });
}

describe('upgrade', () => {
  it('checks path, bearer key, model and the beta header like the real API', async () => {
    await start({ apiKey: 'sk-right' });
    const auth = { Authorization: 'Bearer sk-right' };
    const base = sim!.url;
    expect(await upgradeStatus(`${base}?model=gpt-realtime`, auth)).toBe(101);
    expect(await upgradeStatus(`${base}?model=gpt-realtime`)).toBe(401);
    expect(await upgradeStatus(`${base}?model=gpt-realtime`, { Authorization: 'Bearer sk-wrong' })).toBe(401);
    expect(await upgradeStatus(base.replace('/v1/realtime', '/v1/other?model=x'), auth)).toBe(404);
    expect(await upgradeStatus(base, auth)).toBe(400);
    expect(await upgradeStatus(`${base}?model=x`, { ...auth, 'OpenAI-Beta': 'realtime=v1' })).toBe(400);
    expect(sim!.sessions).toHaveLength(1);
  });

  it('sends session.created with the GA session object and the model asked for', async () => {
    await start();
    const client = await RawRealtimeClient.connect(sim!.url, { model: 'gpt-realtime-mini' });
    clients.push(client);
    const created = await client.next('session.created');
    expect(created.event_id).toMatch(/^event_/);
    expect(created.session).toMatchObject({
      type: 'realtime',
      object: 'realtime.session',
      id: expect.stringMatching(/^sess_/),
      model: 'gpt-realtime-mini',
      audio: { input: { format: { type: 'audio/pcm', rate: 24000 } } },
    });
    expect((await sim!.session(0)).model).toBe('gpt-realtime-mini');
  });
});

describe('protocol errors', () => {
  it('answers malformed JSON, non-objects, missing and unknown types with error events and stays up', async () => {
    await start();
    const client = await connect();
    let from = client.events.length;
    client.sendRaw('{not json');
    expect((await client.next('error', from)).error).toMatchObject({
      type: 'invalid_request_error',
      code: 'invalid_json',
    });
    from = client.events.length;
    client.sendRaw('[1,2]');
    expect((await client.next('error', from)).error).toMatchObject({ code: 'invalid_type' });
    const missing = await client.request({ event_id: 'evt_1' }, 'error');
    expect(missing.error).toMatchObject({
      code: 'missing_required_parameter',
      param: 'type',
      event_id: 'evt_1',
    });
    const unknown = await client.request({ type: 'response.explode', event_id: 'evt_2' }, 'error');
    expect(unknown.error).toMatchObject({ code: 'invalid_value', param: 'type', event_id: 'evt_2' });
    expect((unknown.error as { message: string }).message).toContain("'response.explode'");
    const ok = await client.request(telephony(), (e) => e.type === 'session.updated' || e.type === 'error');
    expect(ok.type).toBe('session.updated');
    const session = sim!.sessions[0]!;
    expect(session.received('(malformed)')).toHaveLength(2);
  });

  it('rejects a bad session.update naming the param and leaves the session unchanged', async () => {
    await start();
    const client = await connect();
    const before = sim!.sessions[0]!.config;
    const err = await client.request(
      {
        type: 'session.update',
        event_id: 'evt_bad',
        session: {
          type: 'realtime',
          audio: { input: { turn_detection: { type: 'server_vad', threshold: 3 } } },
        },
      },
      'error',
    );
    expect(err.error).toEqual({
      type: 'invalid_request_error',
      code: 'decimal_above_max_value',
      message: expect.stringContaining('threshold'),
      param: 'session.audio.input.turn_detection.threshold',
      event_id: 'evt_bad',
    });
    expect(client.types()).not.toContain('session.updated');
    expect(sim!.sessions[0]!.config).toEqual(before);
  });

  it('validates appends, commits and clears', async () => {
    await start();
    const client = await telephonyClient(null);
    const badAudio = await client.request({ type: 'input_audio_buffer.append', audio: '###' }, 'error');
    expect(badAudio.error).toMatchObject({ code: 'invalid_value', param: 'audio' });
    const empty = await client.request({ type: 'input_audio_buffer.commit' }, 'error');
    expect(empty.error).toMatchObject({ code: 'input_audio_buffer_commit_empty' });
    client.appendAudio(mulawTone(50));
    const tooShort = await client.request({ type: 'input_audio_buffer.commit' }, 'error');
    expect((tooShort.error as { message: string }).message).toContain('50.00ms');
    await client.request({ type: 'input_audio_buffer.clear' }, 'input_audio_buffer.cleared');
    const afterClear = await client.request({ type: 'input_audio_buffer.commit' }, 'error');
    expect(afterClear.error).toMatchObject({ code: 'input_audio_buffer_commit_empty' });
    const webrtcOnly = await client.request({ type: 'output_audio_buffer.clear' }, 'error');
    expect(webrtcOnly.error).toMatchObject({ code: 'unsupported_event' });
  });
});

describe('server VAD turn', () => {
  it('detects speech, commits the user item (no transcript without transcription) and answers with audio', async () => {
    await start();
    const client = await telephonyClient();
    speak(client);
    const started = await client.next('input_audio_buffer.speech_started');
    expect(started.audio_start_ms).toBe(200);
    const stopped = await client.next('input_audio_buffer.speech_stopped');
    expect(stopped).toMatchObject({ audio_end_ms: 1800, item_id: started.item_id });
    const committed = await client.next('input_audio_buffer.committed');
    expect(committed).toMatchObject({ item_id: started.item_id, previous_item_id: null });
    const added = await client.next('conversation.item.added');
    expect(added.item).toEqual({
      id: started.item_id,
      object: 'realtime.item',
      type: 'message',
      status: 'completed',
      role: 'user',
      content: [{ type: 'input_audio', transcript: null }],
    });
    await client.next('conversation.item.done');

    const done = await client.next('response.done');
    const response = done.response as Record<string, unknown>;
    expect(response.status).toBe('completed');
    const rid = response.id as string;
    const types = responseEvents(client, rid).map((e) => e.type);
    const firstAudio = types.indexOf('response.output_audio.delta');
    expect(types.slice(0, 3)).toEqual([
      'response.created',
      'response.output_item.added',
      'response.content_part.added',
    ]);
    expect(firstAudio).toBeGreaterThan(2);
    const messageTail = types.slice(types.lastIndexOf('response.output_audio.delta') + 1);
    expect(messageTail.slice(0, 4)).toEqual([
      'response.output_audio.done',
      'response.output_audio_transcript.done',
      'response.content_part.done',
      'response.output_item.done',
    ]);
    expect(types.at(-1)).toBe('response.done');

    const audio = concatBytes(
      ...client.events
        .filter((e) => e.type === 'response.output_audio.delta' && e.response_id === rid)
        .map((e) => new Uint8Array(Buffer.from(e.delta as string, 'base64'))),
    );
    expect(audio.length).toBe('Let me check.'.length * 70 * 8);
    expect(mulawToPcm16(audio).some((s) => Math.abs(s) > 1000)).toBe(true);
    const transcript = client.events
      .filter((e) => e.type === 'response.output_audio_transcript.delta' && e.response_id === rid)
      .map((e) => e.delta)
      .join('');
    expect(transcript).toBe('Let me check.');

    const output = response.output as Array<Record<string, unknown>>;
    expect(output.map((o) => o.type)).toEqual(['message', 'function_call']);
    expect(output[0]).toMatchObject({
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_audio', transcript: 'Let me check.' }],
    });
    expect(output[1]).toMatchObject({
      name: 'get_knowledge',
      call_id: expect.stringMatching(/^call_/),
      arguments: '{"query":"order status"}',
      status: 'completed',
    });
    expect(response.usage).toMatchObject({
      input_tokens: expect.any(Number),
      output_tokens: expect.any(Number),
      input_token_details: { audio_tokens: 16, text_tokens: expect.any(Number) },
      output_token_details: { audio_tokens: expect.any(Number), text_tokens: expect.any(Number) },
    });
    await client.next('rate_limits.updated');

    const session = sim!.sessions[0]!;
    expect(session.items[0]).toMatchObject({ audioMs: 1600, text: null, spokenText: 'where is my order' });
    expect(client.types()).not.toContain('conversation.item.input_audio_transcription.completed');
    expect(session.items.map((i) => i.item.type)).toEqual(['message', 'message', 'function_call']);
    expect(session.replies.map((r) => r.source)).toEqual(['turn']);
  });

  it('runs VAD on the default 24 kHz PCM input too', async () => {
    await start();
    const client = await connect();
    const pcm = (ms: number, db: number | null) =>
      encodeFromPcm16(db === null ? new Int16Array(ms * 24) : tonePcm16(ms, db, 24000), {
        type: 'audio/pcm',
        rate: 24000,
      });
    client.appendAudio(concatBytes(pcm(400, null), pcm(600, -20), pcm(800, null)), 20, 48);
    expect((await client.next('input_audio_buffer.speech_started')).audio_start_ms).toBe(100);
    expect((await client.next('input_audio_buffer.speech_stopped')).audio_end_ms).toBe(1500);
  });

  it('honours threshold: line noise does nothing at 0.9, while a -20 dBFS voice still triggers', async () => {
    await start();
    const client = await telephonyClient({ type: 'server_vad', threshold: 0.9 });
    client.appendAudio(mulawTone(1000, -45));
    await client.request({ type: 'input_audio_buffer.clear' }, 'input_audio_buffer.cleared');
    expect(client.types()).not.toContain('input_audio_buffer.speech_started');
    speak(client, 600, 100, 800);
    await client.next('input_audio_buffer.speech_stopped');
  });

  it('commits manually without VAD and does not answer until asked', async () => {
    await start();
    const client = await telephonyClient(null);
    client.appendAudio(mulawTone(300));
    const committed = await client.request(
      { type: 'input_audio_buffer.commit' },
      'input_audio_buffer.committed',
    );
    await client.next('conversation.item.done');
    expect(client.types()).not.toContain('input_audio_buffer.speech_started');
    expect(client.types()).not.toContain('response.created');
    expect(sim!.sessions[0]!.items[0]).toMatchObject({ id: committed.item_id, audioMs: 300 });
    const done = await client.request({ type: 'response.create' }, 'response.done');
    expect((done.response as { output: Array<{ content: unknown }> }).output[0]!.content).toEqual([
      { type: 'output_audio', transcript: 'Let me check.' },
    ]);
  });

  it('fires the idle timeout after the reply has played and the line stays silent', async () => {
    await start();
    const client = await telephonyClient({ type: 'server_vad', idle_timeout_ms: 1000 });
    await client.request({ type: 'response.create' }, 'response.done');
    client.appendAudio(mulawQuiet(1500));
    expect(client.types()).not.toContain('input_audio_buffer.timeout_triggered');
    client.appendAudio(mulawQuiet(3000));
    const timeout = await client.next('input_audio_buffer.timeout_triggered');
    expect(timeout.audio_end_ms as number).toBeGreaterThanOrEqual((timeout.audio_start_ms as number) + 1000);
    const done = await client.next(
      (e) => e.type === 'response.done' && e !== client.events.find((x) => x.type === 'response.done'),
    );
    expect(JSON.stringify(done.response)).toContain('Are you still there?');
  });
});

describe('responses', () => {
  it('plays the greeting, then refuses a second response.create while one is active', async () => {
    await start({ pacing: 'realtime' });
    const client = await telephonyClient(null);
    const created = await client.request({ type: 'response.create', event_id: 'evt_r1' }, 'response.created');
    const busy = await client.request({ type: 'response.create', event_id: 'evt_r2' }, 'error');
    expect(busy.error).toMatchObject({
      code: 'conversation_already_has_active_response',
      event_id: 'evt_r2',
      message: expect.stringContaining((created.response as { id: string }).id),
    });
    expect(sim!.sessions[0]!.activeResponse?.text).toBe('Hi, thanks for calling Acme.');
  });

  it('cancels an active response and reports cancel-not-active afterwards', async () => {
    await start({ pacing: 'realtime' });
    const client = await telephonyClient(null);
    client.send({ type: 'response.create' });
    const delta = await client.next('response.output_audio.delta');
    const done = await client.request({ type: 'response.cancel' }, 'response.done');
    const response = done.response as Record<string, unknown>;
    expect(response).toMatchObject({
      status: 'cancelled',
      status_details: { type: 'cancelled', reason: 'client_cancelled' },
    });
    expect((response.output as Array<{ status: string }>)[0]!.status).toBe('incomplete');
    const doneIndex = client.events.indexOf(done);
    expect(client.events.slice(doneIndex).some((e) => e.type === 'response.output_audio.delta')).toBe(false);
    const again = await client.request({ type: 'response.cancel', event_id: 'evt_c2' }, 'error');
    expect(again.error).toMatchObject({
      code: 'response_cancel_not_active',
      message: 'Cancellation failed: no active response found',
      event_id: 'evt_c2',
    });

    // truncate at what was heard, then check the limits
    const item = sim!.sessions[0]!.items.find((i) => i.id === delta.item_id)!;
    expect(item.audioMs).toBeGreaterThan(0);
    const overshoot = await client.request(
      { type: 'conversation.item.truncate', item_id: delta.item_id, content_index: 0, audio_end_ms: 60_000 },
      'error',
    );
    expect(overshoot.error).toMatchObject({ code: 'invalid_value', param: null });
    expect((overshoot.error as { message: string }).message).toMatch(
      /^Audio content of \d+ms is already shorter than 60000ms$/,
    );
    const truncated = await client.request(
      { type: 'conversation.item.truncate', item_id: delta.item_id, content_index: 0, audio_end_ms: 50 },
      'conversation.item.truncated',
    );
    expect(truncated).toMatchObject({ item_id: delta.item_id, content_index: 0, audio_end_ms: 50 });
    const after = sim!.sessions[0]!.items.find((i) => i.id === delta.item_id)!;
    expect(after).toMatchObject({ audioMs: 50, truncatedAtMs: 50 });
    expect(after.item.content).toEqual([{ type: 'output_audio', transcript: '' }]);

    const unknown = await client.request(
      { type: 'conversation.item.truncate', item_id: 'item_nope', content_index: 0, audio_end_ms: 0 },
      'error',
    );
    expect(unknown.error).toMatchObject({ code: 'item_truncate_invalid_item_id', param: 'item_id' });
    const log = sim!.sessions[0]!.log;
    const cancelSeq = log.received('response.cancel')[0]!.seq;
    expect(log.received('conversation.item.truncate')[1]!.seq).toBeGreaterThan(cancelSeq);
  });

  it('lets server VAD interrupt an active response (turn_detected) and answers the new turn', async () => {
    await start({ pacing: 'realtime' });
    const client = await telephonyClient();
    client.send({ type: 'response.create' });
    await client.next('response.output_audio.delta');
    speak(client, 600, 0, 700);
    await client.next('input_audio_buffer.speech_started');
    const cancelled = await client.next('response.done');
    expect(cancelled.response).toMatchObject({
      status: 'cancelled',
      status_details: { type: 'cancelled', reason: 'turn_detected' },
    });
    const speechStarted = client.types().indexOf('input_audio_buffer.speech_started');
    expect(speechStarted).toBeLessThan(client.events.indexOf(cancelled));
    await client.next('input_audio_buffer.committed');
    const second = await client.next(
      (e) => e.type === 'response.created' && e !== client.events.find((x) => x.type === 'response.created'),
    );
    expect(sim!.sessions[0]!.activeResponse?.id).toBe((second.response as { id: string }).id);
    expect(sim!.sessions[0]!.activeResponse?.text).toBe('Let me check.');
  });

  it('keeps talking through speech when interrupt_response is false', async () => {
    await start({ pacing: 'realtime' });
    const client = await telephonyClient({ type: 'server_vad', interrupt_response: false });
    client.send({ type: 'response.create' });
    await client.next('response.output_audio.delta');
    speak(client, 300, 0, 0);
    await client.next('input_audio_buffer.speech_started');
    await new Promise((r) => setTimeout(r, 50));
    expect(client.types()).not.toContain('response.done');
    expect(sim!.sessions[0]!.activeResponse?.cancelReason).toBeNull();
  });

  it('streams text when output_modalities is text', async () => {
    await start();
    const client = await telephonyClient(null);
    await client.request(
      { type: 'session.update', session: { type: 'realtime', output_modalities: ['text'] } },
      'session.updated',
    );
    const done = await client.request({ type: 'response.create' }, 'response.done');
    expect(client.types()).not.toContain('response.output_audio.delta');
    const text = client.events
      .filter((e) => e.type === 'response.output_text.delta')
      .map((e) => e.delta)
      .join('');
    expect(text).toBe('Hi, thanks for calling Acme.');
    expect((done.response as { output: Array<{ content: unknown }> }).output[0]!.content).toEqual([
      { type: 'output_text', text: 'Hi, thanks for calling Acme.' },
    ]);
  });
});

describe('function calls and conversation items', () => {
  it('round-trips a function call and plays the follow-up line', async () => {
    await start();
    const client = await telephonyClient();
    speak(client);
    const args = await client.next('response.function_call_arguments.done');
    expect(args).toMatchObject({ name: 'get_knowledge', arguments: '{"query":"order status"}' });
    const argDeltas = client.events.filter((e) => e.type === 'response.function_call_arguments.delta');
    expect(argDeltas.map((e) => e.delta).join('')).toBe('{"query":"order status"}');
    await client.next('response.done');

    const unknown = await client.request(
      {
        type: 'conversation.item.create',
        item: { type: 'function_call_output', call_id: 'call_nope', output: '{}' },
      },
      'error',
    );
    expect(unknown.error).toMatchObject({ code: 'invalid_value', param: 'item.call_id' });

    const added = await client.request(
      {
        type: 'conversation.item.create',
        item: { type: 'function_call_output', call_id: args.call_id, output: '{"status":"ships tomorrow"}' },
      },
      'conversation.item.added',
    );
    expect(added.item).toMatchObject({ type: 'function_call_output', call_id: args.call_id });
    await client.next('conversation.item.done', client.events.indexOf(added));
    const from = client.events.length;
    client.send({ type: 'response.create' });
    const done = await client.next('response.done', from);
    expect((done.response as { output: Array<{ content: unknown }> }).output[0]!.content).toEqual([
      { type: 'output_audio', transcript: 'Your order ships tomorrow.' },
    ]);
    expect(sim!.sessions[0]!.replies.map((r) => r.source)).toEqual(['turn', 'after_tools']);
  });

  it('accepts text items (DTMF, replayed history) and lets them drive replies', async () => {
    await start();
    const client = await telephonyClient(null);
    const history = await client.request(
      {
        type: 'conversation.item.create',
        item: {
          type: 'message',
          role: 'assistant',
          content: [{ type: 'output_text', text: 'Earlier reply.' }],
        },
      },
      'conversation.item.added',
    );
    await client.request(
      {
        type: 'conversation.item.create',
        previous_item_id: 'root',
        item: {
          type: 'message',
          role: 'system',
          content: [{ type: 'input_text', text: 'Caller is on hold music.' }],
        },
      },
      'conversation.item.added',
    );
    const digit = await client.request(
      {
        type: 'conversation.item.create',
        item: {
          id: 'item_dtmf1',
          type: 'message',
          role: 'user',
          content: [{ type: 'input_text', text: 'digit: 1' }],
        },
      },
      'conversation.item.added',
    );
    expect(digit).toMatchObject({
      previous_item_id: (history.item as { id: string }).id,
      item: { id: 'item_dtmf1' },
    });
    const session = sim!.sessions[0]!;
    expect(session.items.map((i) => i.item.role)).toEqual(['system', 'assistant', 'user']);
    const done = await client.request({ type: 'response.create' }, 'response.done');
    expect(JSON.stringify(done.response)).toContain('You pressed one.');

    const dup = await client.request(
      {
        type: 'conversation.item.create',
        item: { id: 'item_dtmf1', type: 'message', role: 'user', content: [] },
      },
      'error',
    );
    expect(dup.error).toMatchObject({ param: 'item.id' });
    const badPrev = await client.request(
      {
        type: 'conversation.item.create',
        previous_item_id: 'item_missing',
        item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'x' }] },
      },
      'error',
    );
    expect(badPrev.error).toMatchObject({ param: 'previous_item_id' });
    const badRole = await client.request(
      {
        type: 'conversation.item.create',
        item: { type: 'message', role: 'system', content: [{ type: 'input_audio', audio: '' }] },
      },
      'error',
    );
    expect(badRole.error).toMatchObject({ code: 'invalid_value', param: 'item.content[0].type' });
  });

  it('retrieves items with their audio and deletes them', async () => {
    await start();
    const client = await telephonyClient(null);
    const audio = mulawTone(200);
    client.appendAudio(audio);
    const committed = await client.request(
      { type: 'input_audio_buffer.commit' },
      'input_audio_buffer.committed',
    );
    const retrieved = await client.request(
      { type: 'conversation.item.retrieve', item_id: committed.item_id },
      'conversation.item.retrieved',
    );
    const content = (retrieved.item as { content: Array<{ type: string; audio: string }> }).content[0]!;
    expect(content.type).toBe('input_audio');
    expect(Buffer.from(content.audio, 'base64')).toEqual(Buffer.from(audio));
    const notTruncatable = await client.request(
      { type: 'conversation.item.truncate', item_id: committed.item_id, content_index: 0, audio_end_ms: 10 },
      'error',
    );
    expect(notTruncatable.error).toMatchObject({ code: 'unsupported_content_type' });
    const deleted = await client.request(
      { type: 'conversation.item.delete', item_id: committed.item_id },
      'conversation.item.deleted',
    );
    expect(deleted.item_id).toBe(committed.item_id);
    const gone = await client.request(
      { type: 'conversation.item.retrieve', item_id: committed.item_id },
      'error',
    );
    expect(gone.error).toMatchObject({ code: 'item_retrieve_invalid_item_id' });
    const deleteAgain = await client.request(
      { type: 'conversation.item.delete', item_id: committed.item_id },
      'error',
    );
    expect(deleteAgain.error).toMatchObject({ code: 'item_delete_invalid_item_id' });
    expect(sim!.sessions[0]!.items).toHaveLength(0);
  });
});

describe('event log', () => {
  it('records both directions in order with accessors and waitFor', async () => {
    await start();
    const client = await telephonyClient(null);
    const session = await sim!.session(0);
    client.send({ type: 'response.create' });
    const done = await session.waitFor('response.done');
    expect(done.direction).toBe('server');
    const entries = session.log.entries;
    expect(entries[0]).toMatchObject({ seq: 0, direction: 'server', type: 'session.created' });
    expect(session.received().map((e) => e.type)).toEqual(['session.update', 'response.create']);
    expect(session.sent('session.updated')).toHaveLength(1);
    const createSeq = session.received('response.create')[0]!.seq;
    expect(session.sent('response.created')[0]!.seq).toBeGreaterThan(createSeq);
    expect(entries.every((e, i) => e.seq === i)).toBe(true);
    await expect(session.waitFor('never.happens', { timeoutMs: 20 })).rejects.toThrow('waitFor');
  });
});
