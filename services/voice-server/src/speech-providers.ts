import type { VoiceServerConfig } from './config.ts';
import type { SpeechProviders } from './session/speech-plan.ts';
import { CartesiaTranscriber } from './speech/cartesia-transcriber.ts';
import { elevenLabsTts } from './speech/elevenlabs-tts.ts';

/**
 * The external speech providers this process can use, from its keys: ElevenLabs (brand voices and
 * Scribe transcripts) with `ELEVENLABS_API_KEY`, Cartesia (ink-whisper transcripts) with
 * `CARTESIA_API_KEY`. A provider without a key is left out; profiles asking for it fall back. The
 * ElevenLabs SDK (Scribe) is loaded only with a key: importing it costs about 30 MB of heap.
 */
export async function speechProvidersOf(
  config: Pick<
    VoiceServerConfig,
    'ELEVENLABS_API_KEY' | 'ELEVENLABS_BASE_URL' | 'CARTESIA_API_KEY' | 'CARTESIA_BASE_URL'
  >,
): Promise<SpeechProviders> {
  const providers: SpeechProviders = { transcribers: {} };
  if (config.ELEVENLABS_API_KEY) {
    const eleven = { apiKey: config.ELEVENLABS_API_KEY, baseUrl: config.ELEVENLABS_BASE_URL };
    providers.tts = elevenLabsTts(eleven);
    const { ScribeTranscriber } = await import('./speech/scribe-transcriber.ts');
    providers.transcribers!.elevenlabs = new ScribeTranscriber(eleven);
  }
  if (config.CARTESIA_API_KEY)
    providers.transcribers!.cartesia = new CartesiaTranscriber({
      apiKey: config.CARTESIA_API_KEY,
      baseUrl: config.CARTESIA_BASE_URL,
    });
  return providers;
}
