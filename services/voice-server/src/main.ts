import { ConfigError } from '@switchboard/service-kit';
import { readConfig } from './config.ts';
import { startVoiceServer } from './server.ts';

try {
  await startVoiceServer(readConfig());
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`voice-server: ${err.message}`);
    process.exit(2);
  }
  console.error('voice-server failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
}
