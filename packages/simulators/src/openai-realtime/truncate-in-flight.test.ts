import { afterEach, describe, expect, it } from 'vitest';
import { type RealtimeSimulator, startRealtimeSimulator } from './server.ts';
import { RawRealtimeClient } from './test-support.ts';

let sim: RealtimeSimulator;
let client: RawRealtimeClient;
afterEach(async () => {
  client?.close();
  await sim?.close();
});

describe('truncating an item still being generated', () => {
  it('is accepted right after response.cancel, and the item keeps an empty transcript', async () => {
    sim = await startRealtimeSimulator({
      pacing: 1,
      scenario: { greeting: 'A long greeting that takes a few seconds to say.' },
    });
    client = await RawRealtimeClient.connect(sim.url);
    await client.request(
      {
        type: 'session.update',
        session: {
          type: 'realtime',
          audio: { input: { format: { type: 'audio/pcmu' } }, output: { format: { type: 'audio/pcmu' } } },
        },
      },
      'session.updated',
    );
    client.send({ type: 'response.create' });
    const firstDelta = await client.next('response.output_audio.delta');
    const itemId = String(firstDelta.item_id);
    client.send({ type: 'response.cancel' });
    client.send({ type: 'conversation.item.truncate', item_id: itemId, content_index: 0, audio_end_ms: 50 });
    const truncated = await client.next(
      (e) => e.type === 'conversation.item.truncated' || e.type === 'error',
    );
    expect(truncated).toMatchObject({
      type: 'conversation.item.truncated',
      item_id: itemId,
      audio_end_ms: 50,
    });
    const done = await client.next('response.done');
    expect((done.response as { status: string }).status).toBe('cancelled');
    const session = sim.sessions[0]!;
    const item = session.items.find((i) => i.id === itemId)!;
    expect(JSON.stringify(item)).toContain('"transcript":""');
  });
});
