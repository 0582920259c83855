// The logs of a simulated call, at the most verbose level, read back line by line: no secret (the Twilio
// auth token, the service token, the OpenAI key, a signature), no full phone number (the last 4 digits
// only) and no audio (base64 payloads) in any of them.
import type { SimulatedCall } from '@switchboard/simulators/twilio';
import { signTwilioRequest } from '@switchboard/telephony';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACME,
  AUTH_TOKEN,
  BRAND_VOICE_ID,
  CARTESIA_KEY,
  ELEVENLABS_KEY,
  type FullStack,
  PUBLIC_BASE_URL,
  SERVICE_TOKEN,
  startFullStack,
} from '../support/full-stack.ts';

const CALLER = '+14155550123';
const OPENAI_KEY = 'sk-sim-0123456789abcdefghijklmnop';

const lines: string[] = [];
let stack: FullStack;
beforeAll(async () => {
  stack = await startFullStack({
    logLevel: 'trace',
    logDestination: { write: (line: string) => void lines.push(line) },
    voiceEnv: { OPENAI_API_KEY: OPENAI_KEY },
    // The brand voice and the external transcriber too: their keys must not show either.
    profile: {
      voice: { provider: 'elevenlabs', voiceId: BRAND_VOICE_ID },
      transcriber: { provider: 'cartesia' },
    },
    realtime: {
      scenario: {
        greeting: ACME.greeting,
        msPerChar: 20,
        turns: [
          {
            user: 'How long does shipping take?',
            say: 'Let me check.',
            toolCalls: [{ name: 'get_knowledge', arguments: { query: 'how long does shipping take' } }],
            afterTools: 'Three to five business days.',
          },
          {
            user: 'Can I talk to a person, please?',
            toolCalls: [
              {
                name: 'transfer_to_human',
                arguments: {
                  reason: 'The caller asked for a person',
                  summary: `Caller ${CALLER} wants a person.`,
                },
              },
            ],
            afterTools: 'Connecting you now.',
          },
        ],
      },
    },
  });
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

/** Digits of a number, and the part of it that must never show (all but the last 4). */
function forbiddenDigits(number: string): string[] {
  const digits = number.replace(/\D/g, '');
  return [digits, digits.slice(0, -4)];
}

describe('voice-server logs of a call', () => {
  it('hold no secret, no full phone number and no audio', async () => {
    const until = (f: (c: SimulatedCall) => boolean) => ({ until: f, timeoutMs: 20_000 });
    const call = await stack.call({
      from: CALLER,
      source: [
        until((c) => c.heardMs >= 300 && !c.isHearingAudio),
        { audio: { toneHz: 300, ms: 700 }, label: 'question' },
        { pauseMs: 1000 },
        until((c) => c.turns[0]?.responseLatencyMs !== undefined && !c.isHearingAudio),
        { audio: { toneHz: 300, ms: 700 }, label: 'person' },
        { pauseMs: 20_000 },
        { hangup: true },
      ],
    });
    await call.ended;
    // A webhook with a forged signature: refused, and its signature not written down.
    const params = { CallSid: 'CA00000000000000000000000000000001', From: CALLER, To: ACME.number };
    const forged = signTwilioRequest('not-the-token', `${PUBLIC_BASE_URL}/twilio-voice-webhook`, params);
    const refused = await fetch(`${stack.voiceUrl}/twilio-voice-webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': forged },
      body: new URLSearchParams(params),
    });
    expect(refused.status).toBe(403);
    const real = signTwilioRequest(AUTH_TOKEN, `${PUBLIC_BASE_URL}/twilio-voice-webhook`, params);
    await new Promise((r) => setTimeout(r, 200));

    const voice = lines.filter((l) => l.includes('"service":"voice-server"'));
    expect(voice.length).toBeGreaterThan(8);
    expect(voice.some((l) => l.includes(call.callSid))).toBe(true);
    const text = lines.join('');
    expect(stack.elevenlabs.connections.length).toBeGreaterThan(0);
    for (const secret of [AUTH_TOKEN, SERVICE_TOKEN, OPENAI_KEY, ELEVENLABS_KEY, CARTESIA_KEY, forged, real])
      expect(text.includes(secret), `secret ${secret.slice(0, 6)}…`).toBe(false);
    for (const number of [CALLER, ACME.number, ACME.transferTarget])
      for (const digits of forbiddenDigits(number))
        expect(
          lines.filter((l) => l.includes(digits)),
          `phone ${number}`,
        ).toEqual([]);
    // The last 4 digits may show, masked.
    expect(text).toContain('******0123');
    // No audio: no long base64 run (a 20 ms frame is 216 characters), no media payload field.
    expect(lines.filter((l) => /[A-Za-z0-9+/]{120,}={0,2}/.test(l))).toEqual([]);
    expect(lines.filter((l) => /"payload":"(?!\[redacted\])/.test(l))).toEqual([]);
  }, 90_000);
});
