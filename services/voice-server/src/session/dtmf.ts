import type { RealtimeClientEvent } from '@switchboard/realtime';
import type { CallLifecycle } from './lifecycle.ts';
import type { Transcript } from './transcript.ts';

/** Keys pressed within this long of each other are one entry. */
export const DTMF_IDLE_MS = 1_500;

export interface DtmfDeps {
  lifecycle: CallLifecycle;
  transcript: Transcript;
  /** Sends to the current Realtime session; false when there is none. */
  send: (event: RealtimeClientEvent) => boolean;
  requestResponse: () => void;
}

/**
 * Keypad digits: collected until `#` or a pause, then given to the model as one caller message (and
 * recorded in the transcript), followed by a response.
 */
export class DtmfCollector {
  private digits = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: DtmfDeps) {}

  onDigit(digit: string): void {
    this.digits += digit;
    this.deps.lifecycle.cancel(this.timer);
    this.timer = undefined;
    if (digit === '#') this.flush();
    else this.timer = this.deps.lifecycle.later(DTMF_IDLE_MS, () => this.flush());
  }

  private flush(): void {
    this.deps.lifecycle.cancel(this.timer);
    this.timer = undefined;
    const digits = this.digits;
    this.digits = '';
    if (!digits || this.deps.lifecycle.isEnded) return;
    const text = `The caller pressed these keys on the phone keypad: ${digits}`;
    const sent = this.deps.send({
      type: 'conversation.item.create',
      item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] },
    });
    if (!sent) return;
    this.deps.transcript.add({
      role: 'caller',
      text: `[keypad] ${digits}`,
      startedAt: new Date().toISOString(),
      source: 'dtmf',
    });
    this.deps.requestResponse();
  }
}
