// Barge-in hands the turn to the caller: a continue waiting behind the response they talked over (a
// second tool's output) is not sent once that response is done, over the caller still speaking; the
// server's own answer to their turn (server VAD, create_response) covers it.
import { describe, expect, it } from 'vitest';
import { bargeInPath } from '../testing/parts.ts';

describe('barge-in and a continue waiting behind the answer', () => {
  it('leaves the waiting continue to the server answer to the caller', () => {
    const b = bargeInPath();
    b.speak('resp_1', 'item_a', 3);
    b.responses.request();
    expect(b.responses.waiting).toBe(1);
    b.bargeIn.onSpeechStarted();
    expect(b.rt.sentOfType('response.cancel')).toHaveLength(1);
    b.responses.onDone('resp_1', 'cancelled');
    expect(b.rt.sentOfType('response.create')).toHaveLength(1);
    b.responses.onCreated('resp_vad', null);
    b.responses.onDone('resp_vad', 'completed');
    expect(b.rt.sentOfType('response.create')).toHaveLength(1);
    expect(b.responses.waiting).toBe(0);
  });

  it('a platform line waiting behind it is still said', () => {
    const b = bargeInPath();
    b.speak('resp_1', 'item_a', 3);
    b.responses.request({ kind: 'line', line: 'Are you still there?' });
    b.bargeIn.onSpeechStarted();
    b.responses.onDone('resp_1', 'cancelled');
    expect(b.rt.sentOfType('response.create')).toHaveLength(2);
  });
});
