// The conversation link of an outbound call (`/conversations/by-call/<CallSid>`): staff of the call's
// brand land on the conversation; anyone else gets a 404.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type Harness, seedCall, staffCookie, startBody, startHarness } from '../testing/harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

it('sends the brand’s staff to the conversation of a call SID, and no one else', async () => {
  const start = startBody();
  const id = await seedCall(h, start);
  const get = (cookie: string, sid = start.callSid) =>
    h.app.inject({ method: 'GET', url: `/conversations/by-call/${sid}`, headers: { cookie } });
  const acme = await staffCookie(h, 'acme');
  const res = await get(acme);
  expect(res.statusCode).toBe(303);
  expect(res.headers.location).toBe(`/conversations/${id}`);
  expect((await get(await staffCookie(h, 'globex'))).statusCode).toBe(404);
  expect((await get(acme, `CA${'0'.repeat(32)}`)).statusCode).toBe(404);
  expect((await get(acme, 'not-a-sid')).statusCode).toBe(400);
});
