/**
 * Recording retention against the Twilio REST simulator: the sweep's timer, a recording already gone
 * at Twilio, and a Twilio failure left for the next sweep. Retention time is the injected clock; the
 * sweep's interval is a fake timer.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ACCOUNT_SID, AUTH_TOKEN, closeRecordedCalls, recordedCall } from '../testing/recorded-call.ts';

const DAY_MS = 86_400_000;
const basic = `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`;

afterEach(async () => {
  vi.useRealTimers();
  await closeRecordedCalls();
});

async function retain(s: Awaited<ReturnType<typeof recordedCall>>, days: number) {
  const put = await s.h.app.inject({
    method: 'PUT',
    url: '/admin/brands/acme',
    headers: s.h.serviceHeaders,
    payload: { recordingRetentionDays: days },
  });
  expect(put.statusCode).toBe(200);
}

const recordingOf = async (s: Awaited<ReturnType<typeof recordedCall>>) =>
  (await s.h.app.inject({ url: `/api/conversations/${s.conversationId}`, headers: s.acme })).json().recording;

const until = async (ok: () => boolean, what: string) => {
  for (let i = 0; i < 300 && !ok(); i++) await new Promise((r) => setImmediate(r));
  if (!ok()) throw new Error(`timed out waiting for ${what}`);
};

describe('recording retention', () => {
  it('runs the sweep every RECORDING_SWEEP_MINUTES: deleted at Twilio and on the conversation', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const s = await recordedCall('memory', undefined, { recordingSweepMs: 5 * 60_000 });
    await retain(s, 7);
    s.clock.now = new Date(s.clock.now.getTime() + 8 * DAY_MS);
    // Before the interval, nothing runs.
    await vi.advanceTimersByTimeAsync(5 * 60_000 - 1);
    expect(s.fake.recordings[0]!.deleted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await until(() => s.fake.recordings[0]!.deleted, 'the deletion at Twilio');
    const deletes = s.fake.requests.filter((r) => r.method === 'DELETE');
    expect(deletes.map((r) => r.path)).toEqual([
      `/2010-04-01/Accounts/${ACCOUNT_SID}/Recordings/${s.recordingSid}.json`,
    ]);
    await vi.waitFor(async () =>
      expect(await recordingOf(s)).toMatchObject({ status: 'deleted', url: null }),
    );
  });

  it('marks a recording already deleted at Twilio as deleted (Twilio answers 20404)', async () => {
    const s = await recordedCall('memory');
    // Deleted at Twilio meanwhile (in the console): Twilio's 404 for it is the documented error shape.
    const url = `${s.fake.baseUrl}/2010-04-01/Accounts/${ACCOUNT_SID}/Recordings/${s.recordingSid}.json`;
    expect((await fetch(url, { method: 'DELETE', headers: { authorization: basic } })).status).toBe(204);
    const again = await fetch(url, { method: 'DELETE', headers: { authorization: basic } });
    expect(again.status).toBe(404);
    // https://www.twilio.com/docs/errors/20404 (the REST API's error body: code, message, more_info, status)
    expect(await again.json()).toEqual({
      code: 20404,
      message: `The requested resource /2010-04-01/Accounts/${ACCOUNT_SID}/Recordings/${s.recordingSid}.json was not found`,
      more_info: 'https://www.twilio.com/docs/errors/20404',
      status: 404,
    });
    await retain(s, 1);
    s.clock.now = new Date(s.clock.now.getTime() + 2 * DAY_MS);
    expect(await s.h.recordings.sweep()).toBe(1);
    expect(await recordingOf(s)).toMatchObject({ status: 'deleted', url: null });
    expect(await s.h.recordings.sweep()).toBe(0);
  });

  it('leaves a recording Twilio failed to delete for the next sweep', async () => {
    let failures = 1;
    const s = await recordedCall('memory', undefined, {
      wrapTwilio: (twilio) => ({
        media: (a, r, f) => twilio.media(a, r, f),
        remove: (a, r) =>
          failures-- > 0 ? Promise.reject(new Error('Twilio answered 503')) : twilio.remove(a, r),
      }),
    });
    await retain(s, 1);
    s.clock.now = new Date(s.clock.now.getTime() + 2 * DAY_MS);
    expect(await s.h.recordings.sweep()).toBe(0);
    expect(await recordingOf(s)).toMatchObject({ status: 'completed' });
    expect(s.fake.recordings[0]!.deleted).toBe(false);
    expect(await s.h.recordings.sweep()).toBe(1);
    expect(s.fake.recordings[0]!.deleted).toBe(true);
    expect(await recordingOf(s)).toMatchObject({ status: 'deleted' });
  });
});
