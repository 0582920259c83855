// Runs voice-server in-process on real sockets, wired to the Realtime simulator and the Twilio REST
// fake; the end-to-end tests and the offline demo both start calls against it.
import {
  openAIRealtimeConnector,
  type RealtimeConnection,
  type RealtimeConnector,
} from '@switchboard/realtime';
import { createLogger, type Logger } from '@switchboard/service-kit';
import { HttpAiServerClient } from '@switchboard/service-kit/clients/ai-server';
import {
  type RealtimeSimulator,
  type RealtimeSimulatorOptions,
  startRealtimeSimulator,
} from '@switchboard/simulators/openai-realtime';
import {
  type PlaceCallOptions,
  placeCall,
  type SimulatedCall,
  startTwilioRestFake,
  type TwilioRestFake,
} from '@switchboard/simulators/twilio';
import {
  type AppServerClient,
  buildVoiceServer,
  type CallAiServer,
  type CallTransport,
  InMemoryAppServer,
  TwilioSdkRest,
  type VoiceServer,
  type VoiceServerDeps,
} from '@switchboard/voice-server';
import { startSeededAiServer } from './ai-server-fixture.ts';
import { ACCOUNT_SID, ACME, AUTH_TOKEN, PUBLIC_BASE_URL, SERVICE_TOKEN } from './constants.ts';

export { ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE_URL } from './constants.ts';

/** One ordered record of what voice-server sent on both sockets. */
export interface JournalEntry {
  seq: number;
  /** When it was sent (performance.now). */
  atMs: number;
  callSid: string;
  side: 'twilio' | 'realtime';
  type: string;
  event?: unknown;
}

export interface StackOptions {
  realtime?: RealtimeSimulatorOptions;
  /** Default: the real ai-server, seeded with the Acme brand (test/support/ai-server-fixture.ts). */
  aiServer?: CallAiServer;
  appServer?: AppServerClient;
  logger?: Logger;
  /** voice-server's call limits and circuit breaker (tests shorten them). */
  voice?: Pick<VoiceServerDeps, 'limits' | 'realtimeBreaker'>;
}

export interface Stack {
  realtime: RealtimeSimulator;
  twilioRest: TwilioRestFake;
  voice: VoiceServer;
  voiceUrl: string;
  appServer: AppServerClient;
  /** Everything voice-server sent, both sockets, in send order. */
  journal: JournalEntry[];
  call(opts?: Partial<PlaceCallOptions>): Promise<SimulatedCall>;
  close(): Promise<void>;
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const realtime = await startRealtimeSimulator({ pacing: 'burst', ...opts.realtime });
  const seeded = opts.aiServer
    ? undefined
    : await startSeededAiServer({ logger: createLogger({ name: 'ai-server', level: 'silent' }) });
  const aiServer =
    opts.aiServer ?? new HttpAiServerClient({ baseUrl: seeded!.url, serviceToken: SERVICE_TOKEN });
  const twilioRest = await startTwilioRestFake({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    // The Acme line is the account's own number: it may show as a transfer's caller ID.
    accountNumbers: { owned: [ACME.number] },
  });
  const journal: JournalEntry[] = [];
  let seq = 0;
  const record = (callSid: string, side: JournalEntry['side'], type: string, event?: unknown) =>
    journal.push({ seq: ++seq, atMs: performance.now(), callSid, side, type, event });
  const baseConnector = openAIRealtimeConnector({
    apiKey: 'sk-stack',
    model: 'gpt-realtime',
    realtimeUrl: realtime.url,
  });
  const appServer = opts.appServer ?? new InMemoryAppServer();
  const connectRealtime: RealtimeConnector = async (signal, context) => {
    const conn = await baseConnector(signal, context);
    const callSid = context?.callSid ?? '';
    const tapped: RealtimeConnection = {
      events: conn.events,
      closed: conn.closed,
      close: (code, reason) => conn.close(code, reason),
      send: (event) => {
        record(callSid, 'realtime', event.type, event);
        conn.send(event);
      },
      appendAudio: (audio) => conn.appendAudio(audio),
    };
    return tapped;
  };
  const voice = await buildVoiceServer({
    config: {
      PUBLIC_BASE_URL,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      STREAM_START_TIMEOUT_MS: 5000,
      MAX_FRAME_BYTES: 65536,
    },
    logger: opts.logger ?? createLogger({ name: 'voice-server', level: 'silent' }),
    aiServer,
    appServer,
    twilioRest: new TwilioSdkRest({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      apiBaseUrl: twilioRest.baseUrl,
    }),
    connectRealtime,
    ...opts.voice,
    wrapTransport: (t: CallTransport, call) => {
      return {
        inbound: t.inbound,
        get isOpen() {
          return t.isOpen;
        },
        sendMedia: (p) => {
          record(call.callSid, 'twilio', 'media');
          t.sendMedia(p);
        },
        sendMark: (n) => {
          record(call.callSid, 'twilio', 'mark', n);
          t.sendMark(n);
        },
        sendMediaWithMark: (p, n) => {
          record(call.callSid, 'twilio', 'media');
          record(call.callSid, 'twilio', 'mark', n);
          t.sendMediaWithMark(p, n);
        },
        sendClear: () => {
          record(call.callSid, 'twilio', 'clear');
          t.sendClear();
        },
        close: (code, reason) => t.close(code, reason),
      };
    },
  });
  await voice.app.listen({ host: '127.0.0.1', port: 0 });
  const addr = voice.app.server.address();
  const voiceUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;

  return {
    realtime,
    twilioRest,
    voice,
    voiceUrl,
    appServer,
    journal,
    call: (callOpts = {}) =>
      placeCall({
        voiceServerUrl: voiceUrl,
        publicBaseUrl: PUBLIC_BASE_URL,
        authToken: AUTH_TOKEN,
        accountSid: ACCOUNT_SID,
        from: '+14155550123',
        to: '+18005550100',
        restFake: twilioRest,
        ...callOpts,
      }),
    async close() {
      await voice.app.close();
      await realtime.close();
      await twilioRest.close();
      await seeded?.close();
    },
  };
}
