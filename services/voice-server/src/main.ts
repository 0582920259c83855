import { ConfigError, startTelemetry } from '@switchboard/service-kit';
import { readConfig } from './config.ts';
import { startVoiceServer } from './server.ts';

try {
  const config = readConfig();
  startTelemetry({
    serviceName: 'voice-server',
    ...(config.OTEL_EXPORTER_OTLP_ENDPOINT ? { otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT } : {}),
  });
  await startVoiceServer(config);
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`voice-server: ${err.message}`);
    process.exit(2);
  }
  console.error('voice-server failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
}
