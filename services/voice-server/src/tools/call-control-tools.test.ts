// The three call-control tools run directly against a recorded CallControl port (no session, no
// sockets): what each one sends to app-server, what it answers the model, and what it does to the call
// once the agent's reply has played.
import { describe, expect, it } from 'vitest';
import type {
  AppServerClient,
  CallbackTicketInput,
  HandoffTicketInput,
  TranscriptMessage,
} from '../ports/app-server.ts';
import type { CallControl, CallInfo } from '../ports/call-control.ts';
import { FakeAiServer, PROFILE } from '../testing/fakes.ts';
import { memoryLogger } from '../testing/parts.ts';
import { createCallbackTicket } from './create-callback-ticket.ts';
import { endCall } from './end-call.ts';
import {
  SETTLE_TRANSCRIPT_MS,
  transcriptExcerpt,
  transferToHuman,
  transferTwiml,
} from './transfer-to-human.ts';

const CALL: CallInfo = {
  streamSid: 'MZ1',
  callSid: 'CA0123456789abcdef0123456789abcdef',
  accountSid: 'AC1',
  botProfileKey: 'acme-support',
  isSip: false,
  callerNumber: '+15551230000',
};

function message(sequence: number, role: TranscriptMessage['role'], text: string | null): TranscriptMessage {
  return { sequence, role, text, startedAt: new Date(0).toISOString(), source: 'realtime' };
}

/** A CallControl whose app-server and call actions are recorded. */
function control(over: { call?: Partial<CallInfo>; profile?: Partial<CallControl['profile']> } = {}) {
  const callbacks: Array<{ callSid: string; input: CallbackTicketInput }> = [];
  const handoffs: Array<{ callSid: string; input: HandoffTicketInput }> = [];
  const transfers: string[] = [];
  const settledWaits: number[] = [];
  let hangUps = 0;
  let messages: TranscriptMessage[] = [];
  const appServer = {
    async createCallbackTicket(callSid: string, input: CallbackTicketInput) {
      callbacks.push({ callSid, input });
      return { ticketId: 'T-cb', callbackId: 'CB-1' };
    },
    async createHandoffTicket(callSid: string, input: HandoffTicketInput) {
      handoffs.push({ callSid, input });
      return { ticketId: 'T-ho' };
    },
  } as unknown as AppServerClient;
  const ctx: CallControl = {
    call: { ...CALL, ...over.call },
    profile: { ...PROFILE, ...over.profile },
    log: memoryLogger().log,
    signal: new AbortController().signal,
    aiServer: new FakeAiServer(),
    appServer,
    transcript: () => messages,
    settledTranscript: async (timeoutMs) => {
      settledWaits.push(timeoutMs);
      return messages;
    },
    knowledgeLanguage: () => undefined,
    knowledgeChunkIds: new Set(['chunk-2', 'chunk-9']),
    transfer: async (twiml) => {
      transfers.push(twiml);
    },
    hangUp: async () => {
      hangUps++;
    },
  };
  return {
    ctx,
    callbacks,
    handoffs,
    transfers,
    settledWaits,
    hangUps: () => hangUps,
    setTranscript: (m: TranscriptMessage[]) => {
      messages = m;
    },
  };
}

describe('create_callback_ticket', () => {
  it('books the callback for the number given, with the time zone and window the model passed', async () => {
    const c = control();
    const result = await createCallbackTicket.run(
      {
        reason: 'billing question',
        phone: '+15559870000',
        timezone: 'Europe/Berlin',
        window_start: '2026-12-07T09:00:00+01:00',
        window_end: '2026-12-07T11:00:00+01:00',
      },
      c.ctx,
    );
    expect(c.callbacks).toEqual([
      {
        callSid: CALL.callSid,
        input: {
          phone: '+15559870000',
          reason: 'billing question',
          timezone: 'Europe/Berlin',
          windowStart: '2026-12-07T09:00:00+01:00',
          windowEnd: '2026-12-07T11:00:00+01:00',
          idempotencyKey: `callback:${CALL.callSid}:billing question`,
        },
      },
    ]);
    expect(result).toEqual({
      output: { ok: true, status: 'scheduled', ticket_id: 'T-cb', callback_id: 'CB-1' },
    });
  });

  it('uses the caller ID when the number is missing, empty or not a string, and UTC without a time zone', async () => {
    for (const phone of [undefined, '', 15559870000, null]) {
      const c = control();
      await createCallbackTicket.run({ reason: 'r', phone, timezone: 42 }, c.ctx);
      expect(c.callbacks[0]!.input, String(phone)).toEqual({
        phone: CALL.callerNumber,
        reason: 'r',
        timezone: 'UTC',
        idempotencyKey: `callback:${CALL.callSid}:r`,
      });
    }
  });

  it('leaves out a window bound that is not a string, and keeps the other', async () => {
    const c = control();
    await createCallbackTicket.run(
      { reason: 'r', window_start: 9, window_end: '2026-12-07T11:00:00Z' },
      c.ctx,
    );
    await createCallbackTicket.run(
      { reason: 's', window_start: '2026-12-07T09:00:00Z', window_end: {} },
      c.ctx,
    );
    expect(c.callbacks.map((x) => [x.input.windowStart, x.input.windowEnd])).toEqual([
      [undefined, '2026-12-07T11:00:00Z'],
      ['2026-12-07T09:00:00Z', undefined],
    ]);
    expect('windowStart' in c.callbacks[0]!.input).toBe(false);
    expect('windowEnd' in c.callbacks[1]!.input).toBe(false);
  });

  it('keys a retried booking by the call and the first 64 characters of the reason', async () => {
    const c = control();
    const reason = `${'a'.repeat(64)}and more`;
    await createCallbackTicket.run({ reason }, c.ctx);
    expect(c.callbacks[0]!.input.idempotencyKey).toBe(`callback:${CALL.callSid}:${'a'.repeat(64)}`);
    expect(c.callbacks[0]!.input.reason).toBe(reason);
  });
});

describe('end_call', () => {
  it('asks for a goodbye, and hangs up only once the goodbye has played', async () => {
    const c = control();
    const result = await endCall.run({ reason: 'done' }, c.ctx);
    expect(result.output).toEqual({
      ok: true,
      status: 'ending',
      instruction: 'Say a brief, friendly goodbye now.',
    });
    expect(c.hangUps()).toBe(0);
    await result.afterReplyPlayed!();
    expect(c.hangUps()).toBe(1);
  });
});

describe('transfer_to_human', () => {
  it('writes the hand-off ticket, answers the model, and dials the target once the line has played', async () => {
    const c = control({ profile: { transferTarget: '+15550009999' } });
    c.setTranscript([
      message(1, 'agent', 'Hi, thanks for calling.'),
      message(2, 'caller', 'A person, please.'),
    ]);
    const result = await transferToHuman.run(
      { reason: 'Wants a person', summary: 'Asked twice.', priority: 'high' },
      c.ctx,
    );
    expect(c.settledWaits).toEqual([SETTLE_TRANSCRIPT_MS]);
    expect(c.handoffs).toEqual([
      {
        callSid: CALL.callSid,
        input: {
          summary: 'Wants a person. Asked twice.',
          transcriptExcerpt: 'Agent: Hi, thanks for calling.\nCaller: A person, please.',
          knowledgeChunkIds: ['chunk-2', 'chunk-9'],
          priority: 'high',
          transferTarget: '+15550009999',
          idempotencyKey: `handoff:${CALL.callSid}`,
        },
      },
    ]);
    expect(result.output).toEqual({
      ok: true,
      status: 'transferring',
      ticket_id: 'T-ho',
      instruction: 'Tell the caller you are connecting them now.',
    });
    expect(c.transfers).toEqual([]);
    await result.afterReplyPlayed!();
    expect(c.transfers).toEqual([transferTwiml('+15550009999', CALL.callerNumber)]);
    expect(c.transfers[0]).toContain(`callerId="${CALL.callerNumber}"`);
    expect(c.transfers[0]).toContain('<Number>+15550009999</Number>');
  });

  it('sends no priority when the model gave none', async () => {
    const c = control({ profile: { transferTarget: '+15550009999' } });
    await transferToHuman.run({ reason: 'r', summary: 's' }, c.ctx);
    expect('priority' in c.handoffs[0]!.input).toBe(false);
  });

  it('offers a callback instead when there is no line, or no caller ID to show on it', async () => {
    const none = control();
    expect((await transferToHuman.run({ reason: 'r', summary: 's' }, none.ctx)).output).toEqual({
      ok: false,
      error: 'No transfer line is configured. Offer the caller a callback instead.',
    });
    const sip = control({
      call: { isSip: true, callerNumber: 'sip:alice@example.com' },
      profile: { transferTarget: '+15550009999', outboundCallerId: null },
    });
    const result = await transferToHuman.run({ reason: 'r', summary: 's' }, sip.ctx);
    expect(result).toEqual({
      output: { ok: false, error: 'No caller ID is available for a transfer. Offer a callback instead.' },
    });
    expect(sip.handoffs).toEqual([]);
    expect(none.handoffs).toEqual([]);
  });
});

describe('the transfer TwiML', () => {
  it('dials a SIP URI (sip: or sips:, any case) on <Sip>, anything else on <Number>', () => {
    expect(transferTwiml('sip:desk@example.com', '+15551230000')).toContain(
      '<Sip>sip:desk@example.com</Sip>',
    );
    expect(transferTwiml('SIPS:desk@example.com', '+15551230000')).toContain(
      '<Sip>SIPS:desk@example.com</Sip>',
    );
    // The scheme decides, not a "sip:" somewhere in the target.
    expect(transferTwiml('+15550009999;x-sip:1', '+15551230000')).toContain('<Number>');
  });

  it('says a line first when given one, as text or with the language Twilio says it in', () => {
    expect(transferTwiml('+15550009999', '+15551230000', 'Connecting you now.')).toContain(
      '<Say>Connecting you now.</Say>',
    );
    expect(
      transferTwiml('+15550009999', '+15551230000', { text: 'Le paso ahora.', language: 'es-ES' }),
    ).toContain('<Say language="es-ES">Le paso ahora.</Say>');
    expect(transferTwiml('+15550009999', '+15551230000')).not.toContain('<Say');
  });
});

describe('the transcript excerpt for the colleague', () => {
  it('labels caller and agent lines, leaves out tool, system and empty messages, joined by newlines', () => {
    expect(
      transcriptExcerpt([
        message(1, 'agent', 'Hello.'),
        message(2, 'tool', 'get_knowledge'),
        message(3, 'caller', ''),
        message(4, 'caller', null),
        message(5, 'system', 'note'),
        message(6, 'caller', 'My order is late.'),
      ]),
    ).toBe('Agent: Hello.\nCaller: My order is late.');
  });

  it('keeps the last 20 messages', () => {
    const all = Array.from({ length: 25 }, (_, i) => message(i, i % 2 ? 'caller' : 'agent', `line ${i}`));
    const lines = transcriptExcerpt(all).split('\n');
    expect(lines).toHaveLength(20);
    expect(lines[0]).toBe('Caller: line 5');
    expect(lines.at(-1)).toBe('Agent: line 24');
  });

  it('is empty for a call with nothing said', () => {
    expect(transcriptExcerpt([])).toBe('');
  });
});
