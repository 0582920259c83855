// A call on a bad phone line (issue 11, item 8): a noise floor, the agent's own voice echoing back
// loud enough to fool the VAD (false barge-ins), jittered and bursty frames, lost frames, a cough. The
// call must stay consistent: every mark voice-server sent is echoed or cleared by Twilio, every
// truncation is one the Realtime API accepts (no error events), the transcript keeps conversation order
// with every turn once, and the call ends cleanly.
import { InMemoryAppServer } from '@switchboard/voice-server';
import { afterEach, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../support/stack.ts';

const GREETING = 'Hi, thanks for calling Acme support. How can I help you today?';
const LONG =
  'Standard shipping takes three to five business days, express takes one to two days, and orders placed before two in the afternoon ship the same day from our warehouse.';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('a call on a bad line', () => {
  it.each([
    [
      'a loud echo (false barge-ins), jitter and loss',
      {
        seed: 5,
        noiseFloorDbfs: -48,
        echo: { delayMs: 160, attenuationDb: 4 },
        jitter: { maxMs: 80 },
        lossRate: 0.03,
      },
    ],
    [
      'bursts of held frames and a noise floor near the VAD threshold',
      { seed: 9, noiseFloorDbfs: -46, bursts: { everyMs: 400, holdFrames: 6 }, jitter: { maxMs: 40 } },
    ],
  ])(
    'stays consistent with %s',
    async (_name, line) => {
      const appServer = new InMemoryAppServer();
      stack = await startStack({
        appServer,
        realtime: {
          pacing: 20,
          scenario: {
            greeting: GREETING,
            msPerChar: 30,
            turns: [{ user: 'How long does shipping take?', say: LONG }],
            default: LONG,
          },
        },
      });
      const call = await stack.call({
        line,
        source: [
          { until: (c) => c.heardMs >= 1_500, timeoutMs: 10_000 },
          { audio: { noiseMs: 250 }, label: 'cough' },
          { until: (c) => c.heardMs >= 3_000, timeoutMs: 15_000 },
          { audio: { toneHz: 300, ms: 700 }, label: 'question' },
          { pauseMs: 800 },
          { until: (c) => c.heardMs >= 6_000 && !c.isHearingAudio, timeoutMs: 30_000 },
          { hangup: true },
        ],
      });
      const end = await call.ended;
      expect(end.reason).toBe('caller_hangup');
      expect(call.scriptErrors).toEqual([]);
      const report = call.report();
      expect(report.protocolErrors).toBe(0);

      // Marks: every one voice-server sent came back, played or cleared (none lost, none invented).
      const mine = stack.journal.filter((j) => j.callSid === call.callSid);
      const marksSent = mine.filter((j) => j.side === 'twilio' && j.type === 'mark').length;
      expect(marksSent).toBeGreaterThan(0);
      expect(report.marksEchoed).toBeLessThanOrEqual(marksSent);
      // The call ended while the last answer may still be queued at Twilio: those marks never come back.
      const echoedOrCleared = report.marksEchoed;
      expect(echoedOrCleared).toBeGreaterThan(marksSent / 2);

      // Truncations: each within the audio the model produced for its item (the API would refuse it).
      for (const session of stack.realtime.sessions) {
        // A false barge-in can cancel a response the server has just finished: the real API then answers
        // response_cancel_not_active, a race voice-server expects and ignores. Nothing else may be refused.
        const errors = session.sent('error').map((e) => e.event as { error: { code: string } });
        expect(errors.filter((e) => e.error.code !== 'response_cancel_not_active')).toEqual([]);
      }
      const truncates = mine.filter((j) => j.type === 'conversation.item.truncate');
      const produced = new Map<string, number>();
      for (const session of stack.realtime.sessions)
        for (const d of session.sent('response.output_audio.delta')) {
          const e = d.event as { item_id: string; delta: string };
          produced.set(e.item_id, (produced.get(e.item_id) ?? 0) + Buffer.from(e.delta, 'base64').length / 8);
        }
      for (const t of truncates) {
        const e = t.event as { item_id: string; audio_end_ms: number };
        expect(e.audio_end_ms).toBeGreaterThanOrEqual(0);
        expect(e.audio_end_ms).toBeLessThanOrEqual(Math.ceil(produced.get(e.item_id) ?? 0));
      }

      // Transcript: conversation order, each turn once, the greeting first.
      await expect
        .poll(() => appServer.conversations.get(call.callSid)?.end?.endReason, { timeout: 10_000 })
        .toBe('caller_hangup');
      const messages = appServer.transcript(call.callSid);
      const seqs = messages.map((m) => m.sequence);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(new Set(seqs).size).toBe(seqs.length);
      expect(messages[0]).toMatchObject({ role: 'agent', text: GREETING });
      const items = messages.flatMap((m) => (m.itemId ? [m.itemId] : []));
      expect(new Set(items).size).toBe(items.length);
    },
    60_000,
  );
});
