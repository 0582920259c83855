import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeTwilioRest } from '../testing/fakes.ts';
import { memoryLogger, mulaw } from '../testing/parts.ts';
import { AfterReply, MAX_AFTER_REPLY_WAIT_MS } from './after-reply.ts';
import { CallLifecycle } from './lifecycle.ts';
import { PlaybackTracker } from './playback-tracker.ts';

afterEach(() => {
  vi.useRealTimers();
});

const flush = () => new Promise((r) => setImmediate(r));

function afterReply() {
  const { log, lines } = memoryLogger();
  const playback = new PlaybackTracker();
  const lifecycle = new CallLifecycle({ twilioRest: new FakeTwilioRest(), callSid: 'CA1', log });
  const notes: string[] = [];
  const ran: string[] = [];
  const a = new AfterReply({ playback, lifecycle, log, tellModel: (t) => notes.push(t) });
  const action =
    (name: string, fail = false) =>
    async () => {
      ran.push(name);
      if (fail) throw new Error('Twilio refused');
    };
  return { a, playback, lifecycle, notes, ran, action, lines };
}

describe('AfterReply (a part alone)', () => {
  it('runs its actions once the next reply is done and its audio has played, in order', async () => {
    const t = afterReply();
    t.a.add('transfer_to_human', t.action('transfer'));
    t.a.add('end_call', t.action('hang-up'));
    t.a.onResponseCreated('r_reply');
    const mark = t.playback.onAudioSent('item_reply', mulaw(100).length);
    t.a.onResponseDone('r_other');
    t.a.onResponseDone('r_reply');
    await flush();
    expect(t.ran).toEqual([]); // the reply is still playing
    t.playback.onMarkEchoed(mark);
    await flush();
    expect(t.ran).toEqual(['transfer', 'hang-up']);
  });

  it('once its actions ran, later replies trigger nothing', async () => {
    const t = afterReply();
    t.a.add('end_call', t.action('hang-up'));
    t.a.onResponseCreated('r_goodbye');
    t.a.onResponseDone('r_goodbye');
    await flush();
    expect(t.ran).toEqual(['hang-up']);
    t.a.onResponseCreated('r_next');
    t.a.onResponseDone('r_next');
    await flush();
    expect(t.ran).toEqual(['hang-up']);
    expect(t.notes).toEqual([]);
  });

  it('waits for the first response created after the action was queued, not an earlier one', async () => {
    const t = afterReply();
    t.a.onResponseCreated('r_before');
    t.a.add('end_call', t.action('hang-up'));
    t.a.onResponseDone('r_before');
    await flush();
    expect(t.ran).toEqual([]);
    t.a.onResponseCreated('r_goodbye');
    t.a.onResponseDone('r_goodbye');
    await flush();
    expect(t.ran).toEqual(['hang-up']);
  });

  it('a caller who interrupts the reply cancels the actions, before or after the reply is done', async () => {
    const t = afterReply();
    t.a.add('end_call', t.action('hang-up'));
    t.a.onResponseCreated('r1');
    t.a.onBargeIn();
    t.a.onResponseDone('r1');
    await flush();
    const second = afterReply();
    second.a.add('end_call', second.action('hang-up'));
    second.a.onResponseCreated('r1');
    const mark = second.playback.onAudioSent('item', 800);
    second.a.onResponseDone('r1');
    second.a.onBargeIn(); // while the goodbye plays
    second.playback.onMarkEchoed(mark);
    await flush();
    expect(t.ran).toEqual([]);
    expect(second.ran).toEqual([]);
    expect(second.lines.join('')).toContain('pending call actions dropped');
  });

  it('tells the model when an action fails, so it can offer a callback', async () => {
    const t = afterReply();
    t.a.add('transfer_to_human', t.action('transfer', true));
    t.a.onResponseCreated('r1');
    t.a.onResponseDone('r1');
    await flush();
    expect(t.notes).toHaveLength(1);
    expect(t.notes[0]).toContain('The transfer_to_human action failed (Twilio refused)');
  });

  it('acts after the longest wait when Twilio never confirms the reply played', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const t = afterReply();
    t.a.add('end_call', t.action('hang-up'));
    t.a.onResponseCreated('r1');
    t.playback.onAudioSent('item', 800);
    t.a.onResponseDone('r1');
    await vi.advanceTimersByTimeAsync(MAX_AFTER_REPLY_WAIT_MS - 1);
    expect(t.ran).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.ran).toEqual(['hang-up']);
  });

  it('replace: the platform goodbye takes the place of whatever waited', async () => {
    const t = afterReply();
    t.a.add('transfer_to_human', t.action('transfer'));
    t.a.onResponseCreated('r1');
    t.a.replace('max_duration', t.action('goodbye hang-up'));
    t.a.onResponseDone('r1'); // the reply that was under way is not the goodbye
    await flush();
    t.a.onResponseCreated('r2');
    t.a.onResponseDone('r2');
    await flush();
    expect(t.ran).toEqual(['goodbye hang-up']);
  });

  it('does nothing once the call has ended', async () => {
    const t = afterReply();
    t.a.add('end_call', t.action('hang-up'));
    t.a.onResponseCreated('r1');
    t.a.onResponseDone('r1');
    t.lifecycle.end('caller_hangup');
    await flush();
    expect(t.ran).toEqual([]);
  });
});
