/**
 * Call recordings on conversations: voice-server's report, playback streamed from Twilio (the REST
 * simulator) to the brand's staff only, deletion by staff and by the brand's retention.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ACCOUNT_SID, closeRecordedCalls, recordedCall as setUp } from '../testing/recorded-call.ts';

afterEach(closeRecordedCalls);

for (const store of ['memory', 'prisma'] as const) {
  // A throwaway PGlite per test: its start-up alone can take seconds on a loaded machine.
  describe(`call recordings (${store} store)`, { timeout: 90_000 }, () => {
    it("is on the conversation with its duration, and plays to the brand's staff through app-server", async () => {
      const s = await setUp(store);
      const detail = await s.h.app.inject({ url: `/api/conversations/${s.conversationId}`, headers: s.acme });
      const recording = detail.json().recording;
      expect(recording).toEqual({
        status: 'completed',
        durationSec: 2,
        channels: 2,
        startedAt: null,
        deletedAt: null,
        url: `/api/conversations/${s.conversationId}/recording`,
      });
      // Neither Twilio's URL nor its SIDs reach the browser.
      expect(detail.body).not.toContain(s.recordingSid);
      expect(detail.body).not.toContain(ACCOUNT_SID);

      const audio = await s.h.app.inject({ url: recording.url, headers: s.acme });
      expect(audio.statusCode).toBe(200);
      expect(audio.headers['content-type']).toBe('audio/wav');
      expect(audio.headers['cache-control']).toBe('private, no-store');
      // The simulator's canonical PCM WAV: RIFF header, 2 channels at 8 kHz, 2 s of 16-bit frames.
      const wav = audio.rawPayload;
      expect(wav.subarray(0, 4).toString()).toBe('RIFF');
      expect(wav.readUInt16LE(22)).toBe(2);
      expect(wav.readUInt32LE(24)).toBe(8000);
      expect(wav.length).toBe(44 + 2 * 8000 * 2 * 2);
      const mp3 = await s.h.app.inject({ url: `${recording.url}?format=mp3`, headers: s.acme });
      expect(mp3.headers['content-type']).toBe('audio/mpeg');
    });

    it("answers another brand's staff and keys 404 with no audio, and never asks Twilio", async () => {
      const s = await setUp(store);
      const before = s.fake.requests.length;
      for (const headers of [s.globex, s.globexKey]) {
        for (const method of ['GET', 'DELETE'] as const) {
          const res = await s.h.app.inject({
            method,
            url: `/api/conversations/${s.conversationId}/recording`,
            headers,
          });
          expect(res.statusCode).toBe(404);
          expect(res.headers['content-type']).toMatch(/json/);
          expect(res.rawPayload.subarray(0, 4).toString()).not.toBe('RIFF');
        }
        const detail = await s.h.app.inject({ url: `/api/conversations/${s.conversationId}`, headers });
        expect(detail.statusCode).toBe(404);
      }
      expect(s.fake.requests.length).toBe(before);
      // Signed out: 401, nothing played.
      const anon = await s.h.app.inject({ url: `/api/conversations/${s.conversationId}/recording` });
      expect(anon.statusCode).toBe(401);
      expect(s.fake.recordings[0]!.deleted).toBe(false);
    });

    it('is deleted at Twilio by staff now: the link clears and playback answers 404', async () => {
      const s = await setUp(store);
      const del = await s.h.app.inject({
        method: 'DELETE',
        url: `/api/conversations/${s.conversationId}/recording`,
        headers: s.acme,
      });
      expect(del.statusCode).toBe(204);
      expect(s.fake.recordings[0]!.deleted).toBe(true);
      const detail = await s.h.app.inject({ url: `/api/conversations/${s.conversationId}`, headers: s.acme });
      expect(detail.json().recording).toMatchObject({ status: 'deleted', url: null });
      const play = await s.h.app.inject({
        url: `/api/conversations/${s.conversationId}/recording`,
        headers: s.acme,
      });
      expect(play.statusCode).toBe(404);
      // A late repeat of the callback does not bring it back.
      await s.h.app.inject({
        method: 'POST',
        url: `/internal/conversations/${s.callSid}/recording`,
        headers: s.h.serviceHeaders,
        payload: {
          recordingSid: s.recordingSid,
          accountSid: ACCOUNT_SID,
          status: 'completed',
          durationSec: 2,
          channels: 2,
        },
      });
      const again = await s.h.app.inject({ url: `/api/conversations/${s.conversationId}`, headers: s.acme });
      expect(again.json().recording).toMatchObject({ status: 'deleted' });
    });

    it("is deleted by the sweep once the brand's retention has passed, not before", async () => {
      const s = await setUp(store);
      expect(await s.h.recordings.sweep()).toBe(0);
      const put = await s.h.app.inject({
        method: 'PUT',
        url: '/admin/brands/acme',
        headers: s.h.serviceHeaders,
        payload: { recordingRetentionDays: 30 },
      });
      expect(put.json().brand).toMatchObject({ recordingRetentionDays: 30 });
      s.clock.now = new Date(s.clock.now.getTime() + 29 * 86_400_000);
      expect(await s.h.recordings.sweep()).toBe(0);
      expect(s.fake.recordings[0]!.deleted).toBe(false);
      s.clock.now = new Date(s.clock.now.getTime() + 2 * 86_400_000);
      expect(await s.h.recordings.sweep()).toBe(1);
      expect(s.fake.recordings[0]!.deleted).toBe(true);
      expect(await s.h.recordings.sweep()).toBe(0);
      const detail = await s.h.app.inject({ url: `/api/conversations/${s.conversationId}`, headers: s.acme });
      expect(detail.json().recording).toMatchObject({ status: 'deleted', url: null });
    });
  });
}

describe('the conversation page', () => {
  it('has a player whose audio comes through app-server, and a delete button that deletes at Twilio', async () => {
    const s = await setUp('memory');
    const page = await s.h.app.inject({ url: `/conversations/${s.conversationId}`, headers: s.acme });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(
      `<audio controls preload="none" src="/api/conversations/${s.conversationId}/recording">`,
    );
    expect(page.body).not.toContain(s.recordingSid);
    const del = await s.h.app.inject({
      method: 'POST',
      url: `/conversations/${s.conversationId}/recording/delete`,
      headers: { ...s.acme, 'content-type': 'application/x-www-form-urlencoded' },
      payload: '',
    });
    expect(del.statusCode).toBe(303);
    expect(s.fake.recordings[0]!.deleted).toBe(true);
    const after = await s.h.app.inject({ url: `/conversations/${s.conversationId}`, headers: s.acme });
    expect(after.body).not.toContain('<audio');
    expect(after.body).toContain('Deleted');
  });
});

describe('recording reports', () => {
  it('refuses an unknown call (404), a bad SID or status (400), and brand credentials (403)', async () => {
    const s = await setUp('memory');
    const body = {
      recordingSid: s.recordingSid,
      accountSid: ACCOUNT_SID,
      status: 'completed',
      durationSec: 2,
      channels: 2,
    };
    const post = (url: string, payload: object, headers = s.h.serviceHeaders) =>
      s.h.app.inject({ method: 'POST', url, headers, payload });
    expect((await post(`/internal/conversations/CA${'9'.repeat(32)}/recording`, body)).statusCode).toBe(404);
    const url = `/internal/conversations/${s.callSid}/recording`;
    expect((await post(url, { ...body, recordingSid: 'RE1' })).statusCode).toBe(400);
    expect((await post(url, { ...body, status: 'in-progress' })).statusCode).toBe(400);
    expect((await post(url, { ...body, durationSec: -1 })).statusCode).toBe(400);
    expect((await post(url, body, s.globexKey)).statusCode).toBe(403);
  });

  it('refuses a retention below a day or over ten years', async () => {
    const s = await setUp('memory');
    for (const days of [0, 3651, 1.5, -2])
      expect(
        (
          await s.h.app.inject({
            method: 'PUT',
            url: '/admin/brands/acme',
            headers: s.h.serviceHeaders,
            payload: { recordingRetentionDays: days },
          })
        ).statusCode,
      ).toBe(400);
  });
});
