/**
 * Expectations against evidence: argument matchers, callback windows in the brand's zone (the demo's
 * old 18:00Z booking fails a "2–4 pm New York" expectation), checks a target cannot observe are left
 * unchecked with the reason, and the simulated model's replies are attributed to the turns they answer.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Evidence, TurnEvidence } from './evidence.ts';
import { appServerSide, modelAgentSide } from './evidence.ts';
import { checkExpectations, valueMatches } from './expectations.ts';
import { buildModelScript } from './model-script.ts';
import type { CallScenario } from './scenario-types.ts';
import { describeWindow, fillTimePlaceholders, localDateTime, zonedInstant, zonedIso } from './zoned-time.ts';

const NY = 'America/New_York';
const placedAt = new Date('2026-12-06T15:00:00Z'); // 10:00 in New York

const turn = (index: number, extra: Partial<TurnEvidence> = {}): TurnEvidence => ({
  index,
  kind: 'say',
  label: `turn ${index + 1}`,
  startMs: 1000 + index * 5000,
  endMs: 2000 + index * 5000,
  ...extra,
});

function evidence(extra: Partial<Evidence> = {}): Evidence {
  return {
    timezone: NY,
    placedAt,
    turns: [turn(0, { replyLatencyMs: 640 }), turn(1, { replyLatencyMs: 2100 })],
    end: { reason: 'completed_via_api', atMs: 12_000 },
    endedBy: 'agent',
    dialed: [],
    twilioSaid: [],
    clears: 0,
    followsRest: true,
    ...extra,
  };
}

const scenario = (s: Partial<CallScenario>): CallScenario => ({
  name: 't',
  turns: [{ say: 'first' }, { say: 'second' }],
  ...s,
});

describe('argument matchers', () => {
  it('compare scalars without case, and test contains, matches, equals and present', () => {
    expect(valueMatches('Shipping Times', 'shipping times')).toBe(true);
    expect(valueMatches(3, 3)).toBe(true);
    expect(valueMatches('3', 3)).toBe(false);
    expect(valueMatches('how long does shipping take', { contains: 'SHIPPING' })).toBe(true);
    expect(valueMatches('returns', { contains: 'shipping' })).toBe(false);
    expect(valueMatches('+18005550199', { matches: '^\\+1800' })).toBe(true);
    expect(valueMatches(undefined, { present: false })).toBe(true);
    expect(valueMatches('x', { present: false })).toBe(false);
    expect(valueMatches(undefined, { contains: 'x' })).toBe(false);
    expect(valueMatches({ a: 1 }, { contains: '"a":1' })).toBe(true);
  });

  it('a text always contains a word of it, in any case', () => {
    const word = fc.stringMatching(/^[A-Za-z0-9]{1,12}$/);
    fc.assert(
      fc.property(fc.string(), word, fc.string(), fc.boolean(), (a, b, c, upper) => {
        expect(valueMatches(`${a} ${b} ${c}`, { contains: upper ? b.toUpperCase() : b.toLowerCase() })).toBe(
          true,
        );
      }),
    );
  });
});

describe('checks', () => {
  const lines = [
    { turn: -1, text: 'Hi, thanks for calling.', interrupted: false, tools: [] },
    {
      turn: 0,
      text: 'Let me look that up.',
      interrupted: false,
      tools: [{ name: 'get_knowledge', args: { query: 'how long does shipping take', options: { top: 3 } } }],
    },
    { turn: 0, text: 'Standard shipping takes three to five business days.', interrupted: false, tools: [] },
    { turn: 1, text: 'You can return', interrupted: true, tools: [] },
  ];
  const agent = { source: 'simulated model' as const, lines, attributed: true };

  it('pass and fail per turn, naming the turn, what was expected and what happened', () => {
    const results = checkExpectations(
      scenario({
        turns: [
          {
            say: 'first',
            expect: {
              tools: [{ name: 'get_knowledge', args: { query: { contains: 'shipping' }, 'options.top': 3 } }],
              says: ['business days'],
              replyWithinMs: 1000,
            },
          },
          {
            say: 'second',
            expect: { tools: ['transfer_to_human'], says: ['business days'], replyWithinMs: 1000 },
          },
        ],
      }),
      evidence({ agent }),
      [4, 9],
    );
    const of = (t: number) => results.filter((r) => r.turn === t).map((r) => [r.check, r.status]);
    expect(of(0)).toEqual([
      ['tools', 'passed'],
      ['says', 'passed'],
      ['replyWithinMs', 'passed'],
    ]);
    expect(of(1)).toEqual([
      ['tools', 'failed'],
      ['says', 'failed'],
      ['replyWithinMs', 'failed'],
    ]);
    const failed = results.filter((r) => r.status === 'failed');
    expect(failed[0]).toMatchObject({
      turn: 1,
      line: 9,
      turnLabel: 'turn 2',
      expected: 'transfer_to_human()',
      actual: 'no tool was called',
    });
    expect(failed[1]!.actual).toBe('the agent said: "You can return"');
    expect(failed[2]).toMatchObject({ expected: 'answer within 1000 ms', actual: 'answered after 2100 ms' });
  });

  it("books the promised window in the brand's zone, and catches the demo's old 18:00Z booking", () => {
    const expectWindow = scenario({ expect: { callback: { day: 'tomorrow', from: '14:00', to: '16:00' } } });
    const booked = (start: string, end: string) =>
      evidence({
        conversation: {
          endReason: 'agent_hangup',
          callbacks: [{ windowStart: start, windowEnd: end, timezone: NY, reason: 'warranty' }],
          transferTargets: [],
          lines: [],
          callerMessages: 2,
        },
      });
    const right = checkExpectations(
      expectWindow,
      booked('2026-12-07T19:00:00.000Z', '2026-12-07T21:00:00.000Z'),
    );
    expect(right[0]).toMatchObject({ check: 'callback', status: 'passed', source: 'app-server' });
    const old = checkExpectations(
      expectWindow,
      booked('2026-12-07T18:00:00.000Z', '2026-12-07T20:00:00.000Z'),
    );
    expect(old[0]).toMatchObject({
      status: 'failed',
      expected: 'callback on 2026-12-07 from 14:00 to 16:00 (America/New_York)',
    });
    expect(old[0]!.actual).toContain('booked 2026-12-07 13:00–15:00 America/New_York');
  });

  it("reads the callback from the model's tool call when app-server is not available", () => {
    const results = checkExpectations(
      scenario({ expect: { callback: { day: '2026-12-07', from: '14:00' } } }),
      evidence({
        agent: {
          ...agent,
          lines: [
            {
              turn: 0,
              text: '',
              interrupted: false,
              tools: [
                {
                  name: 'create_callback_ticket',
                  args: { reason: 'x', window_start: '2026-12-07T14:00:00-05:00' },
                },
              ],
            },
          ],
        },
      }),
    );
    expect(results[0]).toMatchObject({
      status: 'passed',
      source: 'simulated model (create_callback_ticket)',
    });
  });

  it('leaves unchecked, with the reason, what a caller-only target cannot see; checks what it can', () => {
    const results = checkExpectations(
      scenario({
        expect: {
          tools: ['get_knowledge'],
          says: ['hello'],
          transfer: { to: '+18005550199' },
          callback: false,
          ended: { by: 'caller', reason: 'inactivity' },
          replyWithinMs: 3000,
          interruptions: 0,
        },
      }),
      evidence({ followsRest: false, endedBy: 'caller', end: { reason: 'caller_hangup', atMs: 9000 } }),
    );
    const byCheck = Object.fromEntries(results.map((r) => [r.check, r]));
    expect(byCheck.tools!.status).toBe('unchecked');
    expect(byCheck.tools!.actual).toMatch(/--target.*--app-server/);
    expect(byCheck.says!.status).toBe('unchecked');
    expect(byCheck.transfer!.status).toBe('unchecked');
    expect(byCheck.callback!.status).toBe('unchecked');
    expect(byCheck['ended.by']!.status).toBe('passed');
    expect(byCheck['ended.reason']).toMatchObject({ status: 'unchecked' });
    expect(byCheck['ended.reason']!.actual).toMatch(/needs app-server/);
    expect(results.filter((r) => r.check === 'replyWithinMs').map((r) => r.status)).toEqual([
      'passed',
      'passed',
    ]);
    expect(byCheck.interruptions!.status).toBe('passed');
  });

  it('sees a transfer in the TwiML the caller was redirected to', () => {
    const results = checkExpectations(
      scenario({ expect: { transfer: { to: '+18005550199' } } }),
      evidence({ dialed: ['+18005550199'], end: { reason: 'dialed', atMs: 9000 } }),
    );
    expect(results[0]).toMatchObject({ status: 'passed', actual: 'transferred to +18005550199' });
    const wrong = checkExpectations(
      scenario({ expect: { transfer: { to: '+18005550100' } } }),
      evidence({ dialed: ['+18005550199'] }),
    );
    expect(wrong[0]!.status).toBe('failed');
  });

  it('checks a barge-in on the turn that spoke over the agent', () => {
    const s = scenario({
      turns: [
        { say: 'a' },
        { say: 'b', interrupt: { afterMs: 100 }, expect: { bargeIn: { stoppedWithinMs: 500 } } },
      ],
    });
    const stopped = evidence({
      turns: [turn(0), turn(1, { bargeIn: { stopped: true, stoppedAfterMs: 180, heardOverCallerMs: 160 } })],
    });
    expect(checkExpectations(s, stopped)[0]).toMatchObject({
      status: 'passed',
      actual: 'stopped after 180 ms',
    });
    const ranOn = evidence({
      turns: [turn(0), turn(1, { bargeIn: { stopped: false, heardOverCallerMs: 2400 } })],
    });
    expect(checkExpectations(s, ranOn)[0]!.actual).toBe(
      "the agent's audio ran on (2400 ms heard over the caller)",
    );
  });

  it('counts the answers cut off, not the clears that only ended the thinking sound', () => {
    // Seen in the demo under load: the caller cut one answer off, and two tools ran long enough for
    // the thinking sound to start; each was cleared when the answer was ready (three clears in all).
    const s = scenario({ expect: { interruptions: 1 } });
    expect(checkExpectations(s, evidence({ clears: 3, agent }))[0]).toMatchObject({
      status: 'passed',
      source: 'simulated model',
      actual: '1 answer(s) cut off; 3 Twilio clear message(s) in all',
    });
    const none = { ...agent, lines: lines.map((l) => ({ ...l, interrupted: false })) };
    expect(checkExpectations(s, evidence({ clears: 1, agent: none }))[0]!.status).toBe('failed');
    // from the caller's side alone, every clear counts
    expect(checkExpectations(s, evidence({ clears: 3 }))[0]).toMatchObject({
      status: 'failed',
      source: 'caller',
      actual: '3 (Twilio clear messages)',
    });
    expect(checkExpectations(s, evidence({ clears: 1 }))[0]!.status).toBe('passed');
  });

  it("checks an outbound call's recorded outcome field by field, and leaves it unchecked inbound", () => {
    const s = scenario({
      direction: 'outbound',
      expect: { outcome: { price: 450, currency: 'usd', 'quote.from': { matches: '^2027-01' } } },
    });
    const outbound = (outcome: unknown) => ({ id: 'o1', status: 'completed', answeredBy: 'human', outcome });
    const ok = checkExpectations(
      s,
      evidence({ outbound: outbound({ price: 450, currency: 'USD', quote: { from: '2027-01-04' } }) }),
    );
    expect(ok.map((c) => [c.check, c.status, c.source])).toEqual([
      ['outcome', 'passed', 'ai-server'],
      ['outcome', 'passed', 'ai-server'],
      ['outcome', 'passed', 'ai-server'],
    ]);
    const wrong = checkExpectations(s, evidence({ outbound: outbound({ price: 500, currency: 'USD' }) }));
    expect(wrong[0]).toMatchObject({ status: 'failed', expected: 'outcome.price = 450', actual: '500' });
    expect(wrong[2]).toMatchObject({ status: 'failed', actual: 'absent' });
    expect(checkExpectations(s, evidence({ outbound: outbound(null) }))[0]).toMatchObject({
      status: 'failed',
      actual: 'no outcome was recorded (call completed)',
    });
    expect(checkExpectations(s, evidence())[0]!.status).toBe('unchecked');
  });
});

describe('attribution', () => {
  it('gives each simulated reply to the turn whose script says it; a tools-only reply to the next answered turn', () => {
    const s: CallScenario = {
      name: 't',
      turns: [
        {
          say: 'callback please',
          agent: {
            tools: [{ name: 'create_callback_ticket', args: { w: '{{tomorrow 14:00}}' } }],
            afterTools: 'Booked.',
          },
        },
        { pauseMs: 100 },
        { say: 'bye', agent: { say: 'Goodbye!' } },
      ],
    };
    const script = buildModelScript(s, { timezone: NY, now: placedAt, greeting: 'Hello.' });
    expect(script.scenario.turns![0]!.toolCalls![0]!.arguments).toEqual({ w: '2026-12-07T14:00:00-05:00' });
    const side = modelAgentSide(
      {
        sessions: 1,
        responses: [
          { source: 'greeting', text: 'Hello.', spoken: 'Hello.', status: 'completed', tools: [] },
          {
            source: 'turn',
            text: '',
            spoken: '',
            status: 'completed',
            tools: [{ name: 'create_callback_ticket', args: {} }],
          },
          { source: 'after_tools', text: 'Booked.', spoken: 'Booked.', status: 'completed', tools: [] },
          { source: 'turn', text: 'Goodbye!', spoken: 'Good', status: 'cancelled', tools: [] },
        ],
      },
      script,
    );
    expect(side.lines.map((l) => [l.turn, l.text, l.interrupted])).toEqual([
      [-1, 'Hello.', false],
      [0, '', false],
      [0, 'Booked.', false],
      [2, 'Good', true],
    ]);
  });

  it("matches app-server's caller messages to turns in order, and says when it cannot", () => {
    const view = {
      conversation: { endReason: 'transferred' },
      messages: [
        {
          role: 'agent',
          text: 'Hi.',
          interrupted: false,
          toolName: null,
          toolArguments: null,
          toolResult: null,
        },
        {
          role: 'caller',
          text: 'help',
          interrupted: false,
          toolName: null,
          toolArguments: null,
          toolResult: null,
        },
        {
          role: 'tool',
          text: null,
          interrupted: false,
          toolName: 'transfer_to_human',
          toolArguments: { reason: 'x' },
          toolResult: { ok: true },
        },
        {
          role: 'agent',
          text: 'Connecting you.',
          interrupted: false,
          toolName: null,
          toolArguments: null,
          toolResult: null,
        },
      ],
      tickets: [{ kind: 'handoff', transferTarget: '+18005550199', callback: null }],
    };
    const one = appServerSide(view, [turn(0)]);
    expect(one.side.attributed).toBe(true);
    expect(one.transferTargets).toEqual(['+18005550199']);
    expect(one.side.lines.map((l) => [l.turn, l.text, l.tools.map((t) => t.name)])).toEqual([
      [-1, 'Hi.', []],
      [0, '', ['transfer_to_human']],
      [0, 'Connecting you.', []],
    ]);
    const two = appServerSide(view, [turn(0), turn(1)]);
    expect(two.side.attributed).toBe(false);
    expect(two.side.attributionNote).toMatch(/1 caller message\(s\) for 2 caller turn\(s\)/);
  });
});

describe("times in the brand's zone", () => {
  it('resolves placeholders to the local time with that day’s offset, across daylight saving', () => {
    expect(fillTimePlaceholders('{{tomorrow 14:00}}', NY, placedAt)).toBe('2026-12-07T14:00:00-05:00');
    expect(fillTimePlaceholders('{{2026-07-01 09:30}}', NY, placedAt)).toBe('2026-07-01T09:30:00-04:00');
    // 23:30 in New York is already the next day in UTC: "tomorrow" is New York's tomorrow
    expect(fillTimePlaceholders('{{tomorrow 08:00}}', NY, new Date('2026-12-07T04:30:00Z'))).toBe(
      '2026-12-07T08:00:00-05:00',
    );
    expect(
      describeWindow(zonedInstant('2026-12-07', '14:00', NY), zonedInstant('2026-12-07', '16:00', NY), NY),
    ).toBe('Mon, Dec 7, 2:00–4:00 pm EST');
  });

  it('reads back the local date and time it was given', () => {
    const zones = ['America/New_York', 'Europe/Berlin', 'Asia/Kolkata', 'Australia/Sydney', 'UTC'];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.date({ min: new Date('2020-01-01'), max: new Date('2035-12-31') }),
        fc.integer({ min: 4, max: 23 }),
        fc.integer({ min: 0, max: 59 }),
        (zone, day, h, m) => {
          const date = day.toISOString().slice(0, 10);
          const time = `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
          const at = zonedInstant(date, time, zone);
          expect(localDateTime(at, zone)).toEqual({ date, time });
          expect(new Date(zonedIso(at, zone)).getTime()).toBe(at.getTime());
        },
      ),
    );
  });
});
