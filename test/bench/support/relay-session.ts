// What both baseline relays share: the session they ask for (voice-server's phone configuration) and a
// webhook that answers any call with a stream to themselves.
import type { IncomingMessage, ServerResponse } from 'node:http';

export const BENCH_SESSION_UPDATE = JSON.stringify({
  type: 'session.update',
  session: {
    type: 'realtime',
    instructions: 'You are a benchmark agent.',
    output_modalities: ['audio'],
    audio: {
      input: {
        format: { type: 'audio/pcmu' },
        noise_reduction: { type: 'near_field' },
        // voice-server's default caller transcription: the simulator then sends both relays the same
        // events (a `…input_audio_transcription.completed` per turn, which only voice-server got before).
        transcription: { model: 'gpt-4o-mini-transcribe' },
        turn_detection: {
          type: 'server_vad',
          threshold: 0.9,
          prefix_padding_ms: 300,
          silence_duration_ms: 500,
          create_response: true,
          interrupt_response: false,
        },
      },
      output: { format: { type: 'audio/pcmu' }, voice: 'marin' },
    },
  },
});

/** Any webhook gets a stream to this relay, so a simulated caller can dial it. */
export function benchWebhook(req: IncomingMessage, res: ServerResponse): void {
  if (req.method === 'POST' && req.url?.startsWith('/twilio-voice-webhook')) {
    req.resume();
    const host = req.headers.host ?? '127.0.0.1';
    res.setHeader('content-type', 'text/xml');
    res.end(
      `<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="ws://${host}/twilio-stream">` +
        '<Parameter name="bot_profile_key" value="bench"/></Stream></Connect></Response>',
    );
    return;
  }
  res.statusCode = 404;
  res.end();
}
