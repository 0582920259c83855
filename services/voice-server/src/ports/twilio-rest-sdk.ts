import { createTwilioRestClient } from '@switchboard/telephony';
import type { CreateCallParams, CreateCallResult, TwilioCallCreator, TwilioRest } from './twilio-rest.ts';

const PRELOAD_CALL_SID = `CA${'0'.repeat(32)}`;

/** TwilioRest over the twilio SDK; `apiBaseUrl` points it at a fake when set. */
export class TwilioSdkRest implements TwilioRest, TwilioCallCreator {
  private readonly client: ReturnType<typeof createTwilioRestClient>;

  constructor(opts: { accountSid: string; authToken: string; apiBaseUrl?: string }) {
    this.client = createTwilioRestClient(opts);
    // The SDK loads its Calls API (80-odd modules) on first use: load it now, not mid-call, where it
    // would hold every call's audio for ~100 ms. Building a call context sends nothing.
    this.client.calls(PRELOAD_CALL_SID);
  }

  async updateCallTwiml(callSid: string, twiml: string): Promise<void> {
    await this.client.calls(callSid).update({ twiml });
  }

  async hangup(callSid: string): Promise<void> {
    await this.client.calls(callSid).update({ status: 'completed' });
  }

  async deleteRecording(recordingSid: string): Promise<void> {
    try {
      await this.client.recordings(recordingSid).remove();
    } catch (err) {
      // 20404: no such recording (deleted already).
      if ((err as { status?: number }).status !== 404) throw err;
    }
  }

  async createCall(p: CreateCallParams): Promise<CreateCallResult> {
    try {
      const call = await this.client.calls.create({
        to: p.to,
        from: p.from,
        url: p.url,
        method: 'POST',
        statusCallback: p.statusCallback,
        statusCallbackMethod: 'POST',
        statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
        machineDetection: p.machineDetection,
        asyncAmd: 'true',
        asyncAmdStatusCallback: p.asyncAmdStatusCallback,
        asyncAmdStatusCallbackMethod: 'POST',
        timeout: p.timeoutSec,
      });
      return { ok: true, callSid: call.sid, status: call.status };
    } catch (err) {
      const e = err as { status?: number; code?: number; message?: string };
      if (typeof e.status === 'number' && e.status >= 400 && e.status < 500)
        return {
          ok: false,
          refused: true,
          message: e.message ?? 'refused',
          ...(typeof e.code === 'number' ? { twilioCode: e.code } : {}),
        };
      return { ok: false, refused: false, message: e.message ?? 'Twilio request failed' };
    }
  }
}
