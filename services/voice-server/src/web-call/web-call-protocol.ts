/**
 * The browser test call's wire format (README: "Browser test calls"), pure: no I/O.
 *
 * Browser → voice-server: a text `{"type":"start","token":…}` first, then binary frames of PCM16
 * little-endian mono at 16 kHz (the microphone), text `{"type":"mark","name":…}` once the agent audio
 * sent before that mark has played (or was cleared), and `{"type":"stop"}` to hang up.
 * voice-server → browser: text `{"type":"started","callSid":…}`, binary PCM16 LE 16 kHz (the agent),
 * text `{"type":"mark","name":…}` after a reply's audio and `{"type":"clear"}` on barge-in (drop what
 * is queued, echo the pending marks).
 */

/** The browser's sample rate on the wire, both ways. */
export const WEB_CALL_SAMPLE_RATE = 16_000;
/** Longest mark name accepted back from the browser (ours are short). */
const MAX_MARK_NAME = 128;
const MAX_TOKEN_CHARS = 2048;

export type WebCallClientMessage =
  | { type: 'start'; token: string }
  | { type: 'audio'; pcm: Int16Array }
  | { type: 'mark'; name: string }
  | { type: 'stop' };

export type WebCallDecodeResult = { ok: true; message: WebCallClientMessage } | { ok: false; reason: string };

/** One WebSocket message from the browser; never throws. */
export function decodeWebCallClient(data: Buffer, isBinary: boolean): WebCallDecodeResult {
  if (isBinary) {
    if (data.length === 0 || data.length % 2 !== 0)
      return { ok: false, reason: 'audio frame is not whole PCM16 samples' };
    const pcm = new Int16Array(data.length / 2);
    for (let i = 0; i < pcm.length; i++) pcm[i] = data.readInt16LE(i * 2);
    return { ok: true, message: { type: 'audio', pcm } };
  }
  let v: unknown;
  try {
    v = JSON.parse(data.toString('utf8'));
  } catch {
    return { ok: false, reason: 'text frame is not JSON' };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    return { ok: false, reason: 'text frame is not an object' };
  const m = v as Record<string, unknown>;
  switch (m.type) {
    case 'start':
      if (typeof m.token !== 'string' || m.token.length > MAX_TOKEN_CHARS)
        return { ok: false, reason: 'start without a token' };
      return { ok: true, message: { type: 'start', token: m.token } };
    case 'mark':
      if (typeof m.name !== 'string' || m.name.length === 0 || m.name.length > MAX_MARK_NAME)
        return { ok: false, reason: 'mark without a name' };
      return { ok: true, message: { type: 'mark', name: m.name } };
    case 'stop':
      return { ok: true, message: { type: 'stop' } };
    default:
      return { ok: false, reason: 'unknown message type' };
  }
}

export const encodeStarted = (callSid: string): string => JSON.stringify({ type: 'started', callSid });
export const encodeMark = (name: string): string => JSON.stringify({ type: 'mark', name });
export const encodeClear = (): string => '{"type":"clear"}';

/** PCM16 samples as little-endian bytes (the binary frame to the browser). */
export function pcm16ToBytes(pcm: Int16Array): Buffer {
  const out = Buffer.alloc(pcm.length * 2);
  for (let i = 0; i < pcm.length; i++) out.writeInt16LE(pcm[i]!, i * 2);
  return out;
}

/**
 * 16 kHz to 8 kHz, one stream: each output sample is the mean of two inputs (a low-pass enough for
 * speech before halving the rate); an odd sample left over waits for the next frame.
 */
export class Downsampler {
  private carry: number | undefined;

  push(pcm: Int16Array): Int16Array {
    const total = pcm.length + (this.carry === undefined ? 0 : 1);
    const out = new Int16Array(Math.floor(total / 2));
    let i = 0;
    let o = 0;
    if (this.carry !== undefined && pcm.length > 0) {
      out[o++] = (this.carry + pcm[0]!) >> 1;
      i = 1;
      this.carry = undefined;
    }
    for (; i + 1 < pcm.length; i += 2) out[o++] = (pcm[i]! + pcm[i + 1]!) >> 1;
    if (i < pcm.length) this.carry = pcm[i]!;
    return out;
  }
}

/** 8 kHz to 16 kHz, one stream: linear interpolation, the last sample carried to the next frame. */
export class Upsampler {
  private last = 0;

  push(pcm: Int16Array): Int16Array {
    const out = new Int16Array(pcm.length * 2);
    for (let i = 0; i < pcm.length; i++) {
      const s = pcm[i]!;
      out[2 * i] = (this.last + s) >> 1;
      out[2 * i + 1] = s;
      this.last = s;
    }
    return out;
  }

  /** After a clear the next reply starts from silence, not from the cut one's last sample. */
  reset(): void {
    this.last = 0;
  }
}
