// Keypad digits alone, on fake timers: what the model is told, what the transcript keeps, and when.

import type { RealtimeClientEvent } from '@switchboard/realtime';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InMemoryAppServer } from '../ports/in-memory-app-server.ts';
import { FakeTwilioRest } from '../testing/fakes.ts';
import { memoryLogger } from '../testing/parts.ts';
import { DTMF_IDLE_MS, DtmfCollector } from './dtmf.ts';
import { CallLifecycle } from './lifecycle.ts';
import { Transcript } from './transcript.ts';

afterEach(() => {
  vi.useRealTimers();
});

function collector(opts: { session?: boolean } = {}) {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  vi.setSystemTime(new Date('2026-12-06T10:00:00.000Z'));
  const { log } = memoryLogger();
  const lifecycle = new CallLifecycle({ twilioRest: new FakeTwilioRest(), callSid: 'CA1', log });
  const transcript = new Transcript('CA1', new InMemoryAppServer(), () => {});
  const sent: RealtimeClientEvent[] = [];
  let responses = 0;
  const dtmf = new DtmfCollector({
    lifecycle,
    transcript,
    send: (e) => {
      if (opts.session === false) return false;
      sent.push(e);
      return true;
    },
    requestResponse: () => {
      responses++;
    },
  });
  return { dtmf, lifecycle, transcript, sent, responses: () => responses };
}

const told = (digits: string) => ({
  type: 'conversation.item.create',
  item: {
    type: 'message',
    role: 'user',
    content: [{ type: 'input_text', text: `The caller pressed these keys on the phone keypad: ${digits}` }],
  },
});

describe('DtmfCollector (a part alone)', () => {
  it('gives the model the digits up to # at once, as one caller message, records them and asks for a response', () => {
    const c = collector();
    for (const d of '1234#') c.dtmf.onDigit(d);
    expect(c.sent).toEqual([told('1234#')]);
    expect(c.responses()).toBe(1);
    expect(c.transcript.messages()).toEqual([
      {
        sequence: 1,
        role: 'caller',
        text: '[keypad] 1234#',
        startedAt: '2026-12-06T10:00:00.000Z',
        source: 'dtmf',
      },
    ]);
    expect(c.lifecycle.liveTimers).toBe(0);
  });

  it('without #, after a pause of 1.5 s from the last key; each key starts the pause over', () => {
    const c = collector();
    c.dtmf.onDigit('4');
    vi.advanceTimersByTime(DTMF_IDLE_MS - 1);
    c.dtmf.onDigit('2');
    vi.advanceTimersByTime(DTMF_IDLE_MS - 1);
    expect(c.sent).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(c.sent).toEqual([told('42')]);
    expect(c.lifecycle.liveTimers).toBe(0);
    // The next entry starts afresh.
    c.dtmf.onDigit('7');
    vi.advanceTimersByTime(DTMF_IDLE_MS);
    expect(c.sent.at(-1)).toEqual(told('7'));
    expect(c.responses()).toBe(2);
  });

  it('a lone # is an entry of its own', () => {
    const c = collector();
    c.dtmf.onDigit('#');
    expect(c.sent).toEqual([told('#')]);
  });

  it('with no live session, nothing is recorded or asked (the digits are not half-delivered)', () => {
    const c = collector({ session: false });
    for (const d of '12#') c.dtmf.onDigit(d);
    expect(c.transcript.messages()).toEqual([]);
    expect(c.responses()).toBe(0);
  });

  it('after the call ended, a pending entry is dropped', () => {
    const c = collector();
    c.dtmf.onDigit('9');
    c.lifecycle.onStop();
    vi.advanceTimersByTime(DTMF_IDLE_MS);
    c.dtmf.onDigit('#');
    expect(c.sent).toEqual([]);
    expect(c.responses()).toBe(0);
  });
});
