// Barge-in alone on an external voice's turn (a text item the API cannot truncate) and with no live
// Realtime session; no sockets.
import { describe, expect, it } from 'vitest';
import { bargeInPath } from '../testing/parts.ts';

/** An external voice whose alignment says the caller heard `heardText` of item_v. */
const bargeInOn = (opts: { heardText?: string; session?: boolean } = {}) =>
  bargeInPath({
    tts: { cancel: () => [], heardText: (itemId) => (itemId === 'item_v' ? opts.heardText : undefined) },
    ...(opts.session === false ? { session: false } : {}),
  });

describe('barge-in on an external voice', () => {
  it('puts the words the caller heard in place of the text item: a new assistant item after it, then the old one deleted', () => {
    const b = bargeInOn({ heardText: ' Our store opens at ' });
    b.speak('resp_1', 'item_v', 3);
    b.playback.onMarkEchoed(b.marks()[0]!);
    b.rt.sent.length = 0;
    b.bargeIn.onSpeechStarted();
    expect(b.rt.sent.filter((e) => e.type.startsWith('conversation.'))).toEqual([
      {
        type: 'conversation.item.create',
        previous_item_id: 'item_v',
        item: {
          type: 'message',
          role: 'assistant',
          content: [{ type: 'output_text', text: 'Our store opens at' }],
        },
      },
      { type: 'conversation.item.delete', item_id: 'item_v' },
    ]);
    expect(b.rt.sentOfType('conversation.item.truncate')).toEqual([]);
  });

  it('deletes the text item and creates none when the caller heard no word of it', () => {
    const b = bargeInOn({ heardText: '  ' });
    b.speak('resp_1', 'item_v', 3);
    b.playback.onMarkEchoed(b.marks()[0]!);
    b.rt.sent.length = 0;
    b.bargeIn.onSpeechStarted();
    expect(b.rt.sent.filter((e) => e.type.startsWith('conversation.'))).toEqual([
      { type: 'conversation.item.delete', item_id: 'item_v' },
    ]);
  });
});

describe('barge-in with no live Realtime session (a reconnect under way)', () => {
  it('changes nothing: no clear, the playing audio and the asked-for response stay, no throw', () => {
    const b = bargeInOn({ session: false });
    b.speak('resp_1', 'item_a', 3);
    b.responses.onDone('resp_1', 'completed');
    b.responses.request();
    b.order.length = 0;
    expect(() => b.bargeIn.onSpeechStarted()).not.toThrow();
    expect(b.order).toEqual(['caller.activity']);
    expect(b.transport.frames('clear')).toEqual([]);
    expect(b.metrics.bargeIns).toBe(0);
    expect(b.playback.heardPosition()).toBeDefined();
    // The request was not withdrawn: it is still in flight, and one created for it is not cancelled.
    expect(b.responses.withdrawInFlight()).toBe(true);
    expect(b.bargeIn.callerSpeaking).toBe(true);
  });
});
