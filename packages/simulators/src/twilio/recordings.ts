/**
 * Call recordings in the REST fake, after Twilio's Recordings resource
 * (https://www.twilio.com/docs/voice/api/recording): `POST .../Calls/{CallSid}/Recordings.json` starts
 * one on a live call (`RecordingChannels` mono|dual, `RecordingTrack`, `RecordingStatusCallback`,
 * `RecordingStatusCallbackEvent` in-progress|completed|absent, default completed), refusing a call that
 * is not in progress (21220) and an unknown event (13621); the call's end completes it and posts the
 * signed recording status callback (`RecordingSid`, `RecordingUrl`, `RecordingStatus`,
 * `RecordingDuration`, `RecordingChannels`, `RecordingStartTime`, `RecordingSource`, `RecordingTrack`).
 * `GET .../Recordings/{Sid}` serves the media (`.wav` the default, `.mp3`) or `.json` the resource;
 * `DELETE .../Recordings/{Sid}.json` deletes it (204). A recording with no audio ends `absent`.
 * `<Start><Recording>` (https://www.twilio.com/docs/voice/twiml/recording) starts one from TwiML with
 * the same options, from that moment of the call (so a `<Say>` after it is in the recording).
 */
import { type RecordingTracks, recordingMp3, recordingWav } from './recording-media.ts';
import { API_VERSION, type CallRecord, twilioError } from './rest-resources.ts';
import { type PostedCallback, postSignedForm } from './status-callbacks.ts';
import { newSid } from './webhook-form.ts';

/** Where a recording's audio comes from: the simulated call's two sides. */
export interface RecordingAudioSource {
  /** The call's clock now (ms since it was answered). */
  nowMs(): number;
  /** Both sides as mu-law tracks from the call's start to `untilMs`. */
  tracks(untilMs: number): RecordingTracks;
}

export type FakeRecordingStatus = 'in-progress' | 'completed' | 'absent';

/** A recording the fake keeps. */
export interface FakeRecording {
  sid: string;
  callSid: string;
  status: FakeRecordingStatus;
  channels: 1 | 2;
  track: 'inbound' | 'outbound' | 'both';
  /** Twilio's `source` (the API's and `<Start><Recording>`'s alike). */
  source: 'StartCallRecordingAPI';
  createdAt: Date;
  /** Call time the recording started (ms), when the call has audio. */
  startCallMs?: number;
  durationSec: number | null;
  statusCallback?: string;
  events: readonly string[];
  /** The WAV, once completed with audio. */
  wav?: Buffer;
  /** Its MP3, encoded when first asked for. */
  mp3?: Buffer;
  deleted: boolean;
}

/** A recording status callback the fake posted. */
export interface PostedRecordingCallback extends Omit<PostedCallback, 'kind'> {
  kind: 'recording';
}

type Answer =
  | { status: number; json: unknown }
  | { status: 200; media: Buffer; contentType: string }
  | { status: 204 };

const CREATE_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Calls\/([^/]+)\/Recordings\.json$/;
const RECORDING_PATH =
  /^\/2010-04-01\/Accounts\/([^/]+)\/(?:Calls\/[^/]+\/)?Recordings\/(RE[0-9a-fA-F]{32})(\.json|\.wav|\.mp3)?$/;
const EVENTS = new Set(['in-progress', 'completed', 'absent']);
const rfc2822 = (d: Date) => d.toUTCString().replace('GMT', '+0000');

/** The recordings of one REST fake. */
export class RecordingBook {
  readonly recordings: FakeRecording[] = [];
  readonly callbacks: PostedRecordingCallback[] = [];
  private readonly audio = new Map<string, RecordingAudioSource>();
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly opts: {
      accountSid: string;
      authToken: string;
      baseUrl: () => string;
      mapUrl: (url: string) => string;
      notify: (callSid: string, errorCode: number, message: string) => void;
    },
  ) {}

  /** The simulated call's audio, for the recordings of `callSid`. */
  setAudio(callSid: string, source: RecordingAudioSource): void {
    this.audio.set(callSid, source);
  }

  /** True when this request is about recordings (and so answered here). */
  matches(path: string): boolean {
    return CREATE_PATH.test(path) || RECORDING_PATH.test(path);
  }

  /** Answers a recordings request; `callFor` finds the call a create names. */
  handle(
    method: string,
    path: string,
    body: string,
    callFor: (callSid: string) => CallRecord | undefined,
  ): Answer {
    const create = CREATE_PATH.exec(path);
    if (create) {
      if (decodeURIComponent(create[1]!) !== this.opts.accountSid) return notFound(path);
      if (method !== 'POST') return { status: 405, json: twilioError(20004, 405, 'Method not allowed') };
      const callSid = decodeURIComponent(create[2]!);
      const call = callFor(callSid);
      if (!call) return notFound(path);
      return this.create(callSid, call, new URLSearchParams(body));
    }
    const m = RECORDING_PATH.exec(path)!;
    if (decodeURIComponent(m[1]!) !== this.opts.accountSid) return notFound(path);
    const rec = this.recordings.find((r) => r.sid === m[2] && !r.deleted);
    if (!rec) return notFound(path);
    const ext = m[3] ?? '';
    if (method === 'DELETE') {
      if (ext !== '.json') return { status: 405, json: twilioError(20004, 405, 'Method not allowed') };
      rec.deleted = true;
      return { status: 204 };
    }
    if (method !== 'GET') return { status: 405, json: twilioError(20004, 405, 'Method not allowed') };
    if (ext === '.json') return { status: 200, json: this.resource(rec) };
    // The media exists once the recording is processed (and had audio).
    if (rec.status !== 'completed' || !rec.wav) return notFound(path);
    if (ext === '.mp3') {
      rec.mp3 ??= recordingMp3(rec.wav);
      return { status: 200, media: rec.mp3, contentType: 'audio/mpeg' };
    }
    return { status: 200, media: rec.wav, contentType: 'audio/x-wav' };
  }

  /** The call ended: its recordings complete (or are absent) and their callbacks go out. */
  callEnded(callSid: string): void {
    const source = this.audio.get(callSid);
    this.audio.delete(callSid);
    for (const rec of this.recordings) {
      if (rec.callSid !== callSid || rec.status !== 'in-progress') continue;
      const endMs = source?.nowMs() ?? 0;
      const lengthMs = source && rec.startCallMs !== undefined ? endMs - rec.startCallMs : 0;
      rec.durationSec = Math.round(lengthMs / 1000);
      if (rec.durationSec < 1 || !source) {
        rec.status = 'absent';
        rec.durationSec = 0;
      } else {
        rec.status = 'completed';
        rec.wav = recordingWav(source.tracks(endMs), rec.startCallMs!, endMs, rec.channels);
      }
      if (!rec.deleted && rec.events.includes(rec.status)) this.post(rec);
    }
  }

  /** Resolves once every callback posted so far has been answered. */
  async settled(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  private create(callSid: string, call: CallRecord, form: URLSearchParams): Answer {
    const parsed = parseOptions({
      channels: form.get('RecordingChannels') ?? 'mono',
      track: form.get('RecordingTrack') ?? 'both',
      method: form.get('RecordingStatusCallbackMethod') ?? 'POST',
      // The SDK repeats the parameter per event; TwiML's attribute separates them with spaces.
      events: form.getAll('RecordingStatusCallbackEvent').join(' '),
    });
    if ('error' in parsed) return badRequest(parsed.code, parsed.error);
    // https://www.twilio.com/docs/api/errors/21220: only a call in progress can be recorded.
    if (call.status !== 'in-progress')
      return badRequest(21220, 'Invalid call state: the call is not in-progress and cannot be recorded');
    const rec = this.begin(
      callSid,
      parsed,
      form.get('RecordingStatusCallback') ?? undefined,
      'StartCallRecordingAPI',
    );
    return { status: 201, json: this.resource(rec) };
  }

  /**
   * `<Start><Recording>` ran on `callSid` (https://www.twilio.com/docs/voice/twiml/recording): the
   * recording starts now, before the next verb. Its attributes default to dual channels, both tracks.
   * A bad attribute is Twilio's schema warning 12200 and no recording.
   */
  startFromTwiml(callSid: string, attrs: Record<string, string>): FakeRecording | undefined {
    const parsed = parseOptions({
      channels: attrs.channels ?? 'dual',
      track: attrs.track ?? 'both',
      method: attrs.recordingStatusCallbackMethod ?? 'POST',
      events: attrs.recordingStatusCallbackEvent ?? '',
    });
    if ('error' in parsed) {
      this.opts.notify(callSid, 12200, `Schema validation warning: ${parsed.error}`);
      return undefined;
    }
    // Twilio documents no source of its own for it (it shares the Recordings API's controls).
    return this.begin(callSid, parsed, attrs.recordingStatusCallback, 'StartCallRecordingAPI');
  }

  private begin(
    callSid: string,
    o: RecordingOptions,
    callback: string | undefined,
    source: FakeRecording['source'],
  ): FakeRecording {
    const audio = this.audio.get(callSid);
    const rec: FakeRecording = {
      sid: newSid('RE'),
      callSid,
      status: 'in-progress',
      channels: o.channels === 'dual' ? 2 : 1,
      track: o.track,
      source,
      createdAt: new Date(),
      ...(audio ? { startCallMs: audio.nowMs() } : {}),
      durationSec: null,
      events: o.events.length ? o.events : ['completed'],
      deleted: false,
    };
    if (callback !== undefined) {
      // https://www.twilio.com/docs/api/errors/13256: recorded, but no callbacks for a bad URL.
      if (/^https?:\/\/[^/\s]+/i.test(callback) && o.method === 'POST') rec.statusCallback = callback;
      else this.opts.notify(callSid, 13256, 'Invalid recordingStatusCallback URL');
    }
    this.recordings.push(rec);
    if (rec.events.includes('in-progress')) setImmediate(() => this.post(rec));
    return rec;
  }

  private post(rec: FakeRecording): void {
    if (!rec.statusCallback) return;
    const url = rec.statusCallback;
    const params: Record<string, string> = {
      AccountSid: this.opts.accountSid,
      CallSid: rec.callSid,
      RecordingSid: rec.sid,
      RecordingUrl: `${this.opts.baseUrl()}/${API_VERSION}/Accounts/${this.opts.accountSid}/Recordings/${rec.sid}`,
      RecordingStatus: rec.status,
      RecordingDuration: String(rec.durationSec ?? -1),
      RecordingChannels: String(rec.channels),
      RecordingStartTime: rfc2822(rec.createdAt),
      RecordingSource: rec.source,
      RecordingTrack: rec.track,
    };
    const record: PostedRecordingCallback = { kind: 'recording', callSid: rec.callSid, url, params };
    this.callbacks.push(record);
    const done = postSignedForm(url, params, this.opts.authToken, this.opts.mapUrl).then((r) => {
      Object.assign(record, r);
      this.pending.delete(done);
    });
    this.pending.add(done);
  }

  private resource(rec: FakeRecording) {
    const base = `/${API_VERSION}/Accounts/${this.opts.accountSid}`;
    return {
      account_sid: this.opts.accountSid,
      api_version: API_VERSION,
      call_sid: rec.callSid,
      conference_sid: null,
      channels: rec.channels,
      date_created: rfc2822(rec.createdAt),
      date_updated: rfc2822(rec.createdAt),
      start_time: rfc2822(rec.createdAt),
      duration: rec.durationSec === null ? '-1' : String(rec.durationSec),
      sid: rec.sid,
      price: null,
      price_unit: 'USD',
      status: rec.status,
      source: rec.source,
      error_code: null,
      encryption_details: null,
      track: rec.track,
      uri: `${base}/Calls/${rec.callSid}/Recordings/${rec.sid}.json`,
      media_url: `${this.opts.baseUrl()}${base}/Recordings/${rec.sid}`,
    };
  }
}

interface RecordingOptions {
  channels: 'mono' | 'dual';
  track: FakeRecording['track'];
  method: 'POST' | 'GET';
  events: string[];
}

/** Checks a recording's options as both the API and TwiML give them; the error names the bad one. */
function parseOptions(o: {
  channels: string;
  track: string;
  method: string;
  events: string;
}): RecordingOptions | { code: number; error: string } {
  if (o.channels !== 'mono' && o.channels !== 'dual')
    return { code: 20001, error: `Invalid RecordingChannels: ${o.channels.slice(0, 32)}` };
  if (o.track !== 'inbound' && o.track !== 'outbound' && o.track !== 'both')
    return { code: 20001, error: `Invalid RecordingTrack: ${o.track.slice(0, 32)}` };
  if (o.method !== 'POST' && o.method !== 'GET')
    return { code: 20001, error: `Invalid RecordingStatusCallbackMethod: ${o.method.slice(0, 32)}` };
  const events = o.events.split(/\s+/).filter(Boolean);
  if (events.some((e) => !EVENTS.has(e)))
    return { code: 13621, error: "Invalid 'recordingStatusCallbackEvent'" };
  return { channels: o.channels, track: o.track, method: o.method, events };
}

function notFound(path: string): Answer {
  return { status: 404, json: twilioError(20404, 404, `The requested resource ${path} was not found`) };
}

function badRequest(code: number, message: string): Answer {
  return { status: 400, json: twilioError(code, 400, message) };
}
