// The opening of an outbound call waits for answering machine detection: a person gets it, a machine
// does not, and a verdict that never comes (or an ai-server that does not answer) delays it at most
// the AMD timeout.
import { describe, expect, it } from 'vitest';
import { amdGate } from './amd-gate.ts';
import type { OutboundReport, OutboundReportAnswer, OutboundReports } from './outbound-reports.ts';

const CALL = { outboundCallId: '0b7f3c9e-0000-4000-8000-000000000001', callSid: `CA${'1'.repeat(32)}` };

/** ai-server's answers in turn (an Error is thrown); the last one repeats. */
function reports(answers: Array<Partial<OutboundReportAnswer> | Error>) {
  const asked: OutboundReport[] = [];
  const r: OutboundReports = {
    async report(_id, report) {
      asked.push(report);
      const a = answers.length > 1 ? answers.shift()! : answers[0]!;
      if (a instanceof Error) throw a;
      return { profileRef: 'p', status: 'in-progress', voicemailMessage: null, answeredBy: null, ...a };
    },
  };
  return { r, asked };
}

const gate = (r: OutboundReports, timeoutMs = 2_000) => amdGate(r, { timeoutMs, pollMs: 5 });

describe('the AMD gate before the opening', () => {
  it('opens once AMD says human, after asking without reporting anything', async () => {
    const { r, asked } = reports([{}, {}, { answeredBy: 'human' }]);
    expect(await gate(r)({ ...CALL, isEnded: () => false })).toBe('human');
    expect(asked).toEqual([{ callSid: CALL.callSid }, { callSid: CALL.callSid }, { callSid: CALL.callSid }]);
  });

  it('stays silent on a machine, with or without a voicemail message', async () => {
    for (const answer of [
      { answeredBy: 'machine_end_beep', voicemailMessage: 'Please call back.' },
      { answeredBy: 'machine_end_silence', voicemailMessage: null },
      { answeredBy: 'machine_start' },
      { answeredBy: 'fax' },
    ])
      expect(await gate(reports([{}, answer]).r)({ ...CALL, isEnded: () => false })).toBe('machine');
  });

  it('opens on unknown, and after the timeout when no verdict comes', async () => {
    expect(await gate(reports([{ answeredBy: 'unknown' }]).r)({ ...CALL, isEnded: () => false })).toBe(
      'human',
    );
    const started = Date.now();
    expect(await gate(reports([{}]).r, 60)({ ...CALL, isEnded: () => false })).toBe('no_verdict');
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('asks again when ai-server fails, and stops once the call is over', async () => {
    const { r } = reports([new Error('ai-server answered 503'), { answeredBy: 'human' }]);
    expect(await gate(r)({ ...CALL, isEnded: () => false })).toBe('human');
    expect(await gate(reports([{ status: 'completed' }]).r)({ ...CALL, isEnded: () => false })).toBe('ended');
    let ended = false;
    const pending = gate(reports([{}]).r, 5_000)({ ...CALL, isEnded: () => ended });
    ended = true;
    expect(await pending).toBe('ended');
  });
});
