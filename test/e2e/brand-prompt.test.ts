// The brand's prompt on every turn (issue 11, item 4). On the real API a response.create's own
// `instructions` replace the session's for that response (OpenAI Realtime API reference,
// response.create: "instructions ... override the session instructions for this response"), so a line
// sent that way would lose the brand's persona, knowledge rules and language. The Realtime simulator
// models the replacement: its scripted model answers out of character when the instructions in force
// do not name the persona. Every kind of turn the platform asks for is checked here. The stack starts
// inside each test (tens of seconds on a loaded machine), hence the long timeouts.
import { afterEach, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../support/stack.ts';

const PERSONA = 'phone agent of Acme Outfitters';
const LANGUAGE_RULE = 'Speak English (en-US) with the caller';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe("the brand's prompt", () => {
  it("is in force on the greeting, its retry after a failure, the watchdog's question and the goodbye", async () => {
    stack = await startStack({
      // A silent caller: the watchdog asks after 2 s and says goodbye 2 s later; the 30 s cap's
      // wrap-up note comes 28 s early, so at 2 s.
      profile: { inactivity: { promptAfterSec: 2, endAfterSec: 2 }, maxDurationSec: 30 },
      voice: { limits: { wrapUpBeforeMs: 28_000 } },
      realtime: {
        scenario: {
          persona: { match: PERSONA },
          greeting: 'Hi, thanks for calling Acme Outfitters.',
          default: 'Acme Outfitters here, still with you.',
          msPerChar: 10,
        },
        // The first response (the greeting) fails: the platform asks for it once more.
        faults: { responseOutcome: { status: 'failed', count: 1 } },
      },
    });
    const call = await stack.call({ source: [{ pauseMs: 20_000 }] });
    const end = await call.ended;
    expect(end.reason).not.toBe('caller_hangup'); // the platform ended it: the watchdog's goodbye
    const replies = stack.realtime.sessions.flatMap((s) => s.replies);
    // The greeting (it fails), its retry, the watchdog's question, the goodbye.
    expect(replies.length).toBeGreaterThanOrEqual(4);
    expect(replies[0]).toMatchObject({ source: 'greeting', status: 'failed' });
    expect(replies[1]!.instructions).toContain('Greet the caller now');
    expect(replies.some((r) => r.instructions.includes('Are you still there?'))).toBe(true);
    expect(replies.some((r) => r.instructions.includes('Goodbye!'))).toBe(true);
    for (const r of replies) {
      expect(r.source, `${r.responseId}: ${r.text}`).not.toBe('off_persona');
      expect(r.instructions).toContain(PERSONA);
      expect(r.instructions).toContain(LANGUAGE_RULE);
    }
    // The session's own instructions carry them too (turns the server starts itself use those).
    for (const s of stack.realtime.sessions) {
      const update = s.received('session.update')[0]!.event as { session: { instructions: string } };
      expect(update.session.instructions).toContain(PERSONA);
      expect(update.session.instructions).toContain(LANGUAGE_RULE);
    }
  }, 90_000);

  it('is in force on the apology after a response failed twice, and on the line that resumes after a drop', async () => {
    stack = await startStack({
      profile: { inactivity: { promptAfterSec: 3, endAfterSec: 3 }, maxDurationSec: 60 },
      realtime: {
        scenario: {
          persona: { match: PERSONA },
          greeting: 'Hi, thanks for calling Acme Outfitters.',
          default: 'Acme Outfitters here, still with you.',
          msPerChar: 10,
        },
        // The greeting fails, and so does its retry: the platform asks the model to apologise.
        faults: { responseOutcome: { status: 'failed', count: 2 } },
      },
    });
    const call = await stack.call({ source: [{ pauseMs: 30_000 }] });
    const first = await stack.realtime.session(0, 10_000);
    stack.realtime.resetFaults(); // the session a reconnect opens has none
    const deadline = Date.now() + 10_000;
    while (first.sent('response.done').length < 3 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    // Once the apology is done the session expires (session_expired, then close 1001): the call resumes.
    first.setFaults({ sessionExpiresAfterMs: 0 });
    const end = await call.ended;
    expect(end.reason).not.toBe('caller_hangup');
    expect(stack.realtime.sessions.length).toBeGreaterThanOrEqual(2);
    const replies = stack.realtime.sessions.flatMap((s) => s.replies);
    expect(replies.slice(0, 2)).toMatchObject([{ status: 'failed' }, { status: 'failed' }]);
    const apology = replies.find((r) => r.instructions.includes('did not catch that'));
    const resumed = replies.find((r) => r.instructions.includes('The line dropped for a moment'));
    expect(apology, 'the apology after two failures').toBeDefined();
    expect(resumed, 'the line after the reconnect').toBeDefined();
    for (const r of [apology!, resumed!, ...replies]) {
      expect(r.source, `${r.responseId}: ${r.text}`).not.toBe('off_persona');
      expect(r.instructions).toContain(PERSONA);
      expect(r.instructions).toContain(LANGUAGE_RULE);
    }
  }, 90_000);
});
