// The call's lifecycle at its edges: the reason a call ends with when the stream closes, an end that
// comes twice, sleeps after the end and the listeners they leave, a hang-up, apology or transfer that
// Twilio refuses (a warning, or none when the call was already over), and Twilio's 21220 in both
// spellings.
import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeTwilioRest } from '../testing/fakes.ts';
import { memoryLogger } from '../testing/parts.ts';
import { CallLifecycle, callAlreadyOver } from './lifecycle.ts';

/** Twilio's Calls REST failing every request with `error`, once set. */
class FailingTwilioRest extends FakeTwilioRest {
  error: unknown;
  override async updateCallTwiml(callSid: string, twiml: string): Promise<void> {
    if (this.error) throw this.error;
    await super.updateCallTwiml(callSid, twiml);
  }
  override async hangup(callSid: string): Promise<void> {
    if (this.error) throw this.error;
    await super.hangup(callSid);
  }
}

const ALREADY_OVER = Object.assign(new Error('Call is not in-progress. Cannot redirect.'), {
  status: 400,
  code: 21220,
});
const SERVER_ERROR = Object.assign(new Error('Twilio answered 503'), { status: 503, code: 20500 });

function lifecycle() {
  const twilioRest = new FailingTwilioRest();
  const { log, lines } = memoryLogger();
  const l = new CallLifecycle({ twilioRest, callSid: 'CA1', log });
  const levels = () => lines.map((line) => (JSON.parse(line) as { level: number }).level);
  return { l, twilioRest, warnings: () => levels().filter((v) => v >= 40).length, levels };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('how the call ends', () => {
  it('the stream closing without a stop ends it as stream_closed', () => {
    const { l } = lifecycle();
    l.onStreamClosed();
    expect(l.endReason).toBe('stream_closed');
  });

  it('the stream closing during a transfer ends it as transferred', async () => {
    const { l } = lifecycle();
    await l.transfer('<Response><Dial>+14155550100</Dial></Response>');
    l.onStreamClosed();
    expect(l.endReason).toBe('transferred');
  });

  it('an end that comes twice keeps the first reason and releases the parts once', () => {
    const { l } = lifecycle();
    let released = 0;
    l.onEnd(() => void released++);
    l.end('caller_hangup');
    l.end('shutdown');
    expect(l.endReason).toBe('caller_hangup');
    expect(released).toBe(1);
  });
});

describe('sleeps', () => {
  it('a sleep asked for after the end returns at once and owns no timer', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { l } = lifecycle();
    l.end('caller_hangup');
    let woke = false;
    const p = l.sleep(10_000).then(() => {
      woke = true;
    });
    await Promise.resolve();
    await Promise.resolve();
    expect(woke).toBe(true);
    expect(l.liveTimers).toBe(0);
    await p;
  });

  it('sleeps that ran out leave no listener on the call signal (a long call sleeps often)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { l } = lifecycle();
    for (let i = 0; i < 3; i++) {
      const p = l.sleep(100);
      await vi.advanceTimersByTimeAsync(100);
      await p;
    }
    expect(getEventListeners(l.signal, 'abort')).toHaveLength(0);
  });
});

describe('hanging up', () => {
  it('after the call has ended, no hang-up is sent and the reason stays', async () => {
    const { l, twilioRest } = lifecycle();
    l.end('caller_hangup');
    await l.hangUp('agent_hangup');
    expect(twilioRest.hangups).toEqual([]);
    expect(l.endReason).toBe('caller_hangup');
  });

  it('Twilio saying the call was already over is no warning; the call ends with our reason', async () => {
    const { l, twilioRest, warnings } = lifecycle();
    twilioRest.error = ALREADY_OVER;
    await l.hangUp('agent_hangup');
    expect(warnings()).toBe(0);
    expect(l.endReason).toBe('agent_hangup');
  });

  it('a hang-up Twilio refuses is a warning, and the call ends all the same', async () => {
    const { l, twilioRest, warnings } = lifecycle();
    twilioRest.error = SERVER_ERROR;
    await l.hangUp('agent_hangup');
    expect(warnings()).toBe(1);
    expect(l.endReason).toBe('agent_hangup');
  });
});

describe('apologizing', () => {
  it('an apology Twilio refuses (the call still up) is a warning, and the call ends', async () => {
    const { l, twilioRest, warnings } = lifecycle();
    twilioRest.error = SERVER_ERROR;
    await l.apologizeAndEnd('realtime_unavailable', 'Sorry.');
    expect(warnings()).toBe(1);
    expect(l.endReason).toBe('realtime_unavailable');
  });
});

describe('transferring', () => {
  it('a transfer Twilio refuses is no transfer: the stop that follows is the caller hanging up', async () => {
    const { l, twilioRest } = lifecycle();
    twilioRest.error = SERVER_ERROR;
    await expect(l.transfer('<Response><Dial>+14155550100</Dial></Response>')).rejects.toBe(SERVER_ERROR);
    expect(l.transferring).toBe(false);
    l.onStop();
    expect(l.endReason).toBe('caller_hangup');
  });
});

describe('callAlreadyOver', () => {
  it("recognises Twilio's 21220 as a number or as a string", () => {
    expect(callAlreadyOver({ code: 21220 })).toBe(true);
    expect(callAlreadyOver({ code: '21220' })).toBe(true);
  });

  it('anything else is a real failure, and a missing error is no crash', () => {
    expect(callAlreadyOver({ code: 20404 })).toBe(false);
    expect(callAlreadyOver({ code: '' })).toBe(false);
    expect(callAlreadyOver(new Error('socket hang up'))).toBe(false);
    expect(callAlreadyOver(null)).toBe(false);
    expect(callAlreadyOver(undefined)).toBe(false);
  });
});
