// The model's audio to Twilio: the call's first mark after 200 ms, then one every second of an item and
// at the end of its audio, not one per
// delta (each mark is a message out and an echo in; the tracker interpolates between marks).
import { describe, expect, it } from 'vitest';
import { VoiceMetrics } from '../metrics.ts';
import { InMemoryCallTransport } from '../testing/in-memory-transport.ts';
import { audioPath, mulaw } from '../testing/parts.ts';
import { AudioOut, FIRST_MARK_AFTER_MS, MARK_EVERY_MS } from './audio-out.ts';
import { THINKING_ITEM } from './call-types.ts';
import { PlaybackTracker } from './playback-tracker.ts';

const events = (p: ReturnType<typeof audioPath>) => p.transport.sent.map((f) => f.event);

describe('AudioOut mark cadence', () => {
  it("marks the call's first 200 ms, then every second: after the 2nd, 12th and 22nd of 25 deltas of 100 ms", () => {
    expect([FIRST_MARK_AFTER_MS, MARK_EVERY_MS]).toEqual([200, 1000]);
    const p = audioPath();
    for (let i = 0; i < 25; i++) p.audioOut.agent('item_a', mulaw(100));
    const media = (n: number) => Array<string>(n).fill('media');
    expect(events(p)).toEqual([...media(2), 'mark', ...media(10), 'mark', ...media(10), 'mark', ...media(3)]);
    expect(p.metrics.framesOut).toBe(25);
    expect(p.playback.sentMs('item_a')).toBe(2500);
    // A later item (a later reply) waits a second for its first mark too.
    p.audioOut.endMark();
    for (let i = 0; i < 3; i++) p.audioOut.agent('item_b', mulaw(100));
    expect(events(p).slice(-4)).toEqual(['mark', ...media(3)]);
  });

  it('marks the end of the audio once, and nothing when the last frame has its mark', () => {
    const p = audioPath();
    p.audioOut.agent('item_a', mulaw(100));
    p.audioOut.endMark();
    p.audioOut.endMark();
    expect(events(p)).toEqual(['media', 'mark']);
    p.audioOut.agent('item_a', mulaw(200));
    p.audioOut.endMark();
    expect(events(p)).toEqual(['media', 'mark', 'media', 'mark']);
  });

  it("marks the end of one item's audio before another item's, and before the platform's own audio", () => {
    const p = audioPath();
    p.audioOut.agent('item_a', mulaw(100));
    p.audioOut.agent('item_b', mulaw(100));
    p.audioOut.local(THINKING_ITEM, [mulaw(60)]);
    expect(events(p)).toEqual(['media', 'mark', 'media', 'mark', 'media', 'mark']);
    // Each mark, echoed, tells exactly how far playback got.
    const [a, b] = p.transport.frames('mark').map((m) => m.name);
    p.playback.onMarkEchoed(a!);
    expect(p.playback.heardPosition()).toMatchObject({ itemId: 'item_b', audioEndMs: 0 });
    p.playback.onMarkEchoed(b!);
    expect(p.playback.heardPosition()).toMatchObject({ itemId: THINKING_ITEM, audioEndMs: 0 });
  });

  it('owes no mark for audio a clear dropped', () => {
    const p = audioPath();
    p.audioOut.agent('item_a', mulaw(100));
    p.audioOut.clear();
    p.audioOut.endMark();
    p.audioOut.agent('item_a', mulaw(100));
    p.audioOut.agent('item_a', mulaw(100));
    expect(events(p)).toEqual(['media', 'clear', 'media', 'media', 'mark']);
  });

  it("learns the line's delay from the first mark's echo before the greeting's first second is out", () => {
    // A line with 40 ms each way: the first mark (after 200 ms) is echoed 80 ms after that audio
    // played, so a barge-in at 500 ms is truncated at the 460 ms the caller heard, not at 500.
    let now = 0;
    const transport = new InMemoryCallTransport();
    const playback = new PlaybackTracker(() => now);
    const out = new AudioOut(transport, playback, new VoiceMetrics());
    for (let i = 0; i < 30; i++) out.agent('item_a', mulaw(100)); // a 3 s greeting, all sent at once
    const [first] = transport.frames('mark').map((m) => m.name);
    now = 280;
    playback.onMarkEchoed(first!);
    now = 500;
    expect(playback.heardPosition()).toMatchObject({ itemId: 'item_a', audioEndMs: 460 });
  });

  it('never leaves a second or more unmarked, and after endMark nothing at all, for any deltas', async () => {
    const fc = (await import('fast-check')).default;
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ item: fc.constantFrom('a', 'b'), ms: fc.integer({ min: 1, max: 1500 }) }),
            fc.constantFrom('end' as const, 'clear' as const, 'local' as const),
          ),
          { maxLength: 40 },
        ),
        (steps) => {
          const p = audioPath();
          for (const s of steps) {
            if (s === 'end') p.audioOut.endMark();
            else if (s === 'clear') p.audioOut.clear();
            else if (s === 'local') p.audioOut.local(THINKING_ITEM, [mulaw(60)]);
            else p.audioOut.agent(s.item, mulaw(s.ms));
            // Unmarked audio at the tail of what was sent since the last mark or clear.
            let unmarkedMs = 0;
            for (const f of p.transport.sent) {
              if (f.event === 'media') unmarkedMs += Buffer.from(f.payload, 'base64').length / 8;
              else unmarkedMs = 0;
            }
            if (unmarkedMs >= MARK_EVERY_MS) return false;
            if (p.playback.unmarked !== unmarkedMs > 0) return false;
          }
          p.audioOut.endMark();
          return !p.playback.unmarked && p.transport.sent.at(-1)?.event !== 'media';
        },
      ),
      { numRuns: 300 },
    );
  });
});
