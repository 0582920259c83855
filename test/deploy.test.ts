// Every way this project is deployed gives every service a configuration its own parser accepts: the
// Helm chart's renderings (ConfigMap + Secret references) and docker-compose.yml's (live and offline).
// A variable a service requires that a deployment forgets fails here, naming both.
import { configSpec as aiServerSpec } from '@switchboard/ai-server';
import { appServerConfigSpec } from '@switchboard/app-server';
import { type ConfigSpec, loadConfig, secretNames } from '@switchboard/service-kit';
import { voiceServerConfigSpec } from '@switchboard/voice-server';
import { describe, expect, it } from 'vitest';
import { COMPOSE_PATH, COMPOSE_RENDERINGS, readCompose, renderCompose } from './deploy/compose.ts';
import { environment, find, HELM_RENDERINGS, podOf, RELEASE, rendering } from './deploy/helm.ts';

const SERVICES: Record<string, ConfigSpec> = {
  'voice-server': voiceServerConfigSpec,
  'ai-server': aiServerSpec,
  'app-server': appServerConfigSpec,
};

/** What the Secret holds for a variable, shaped as the service's parser expects. */
function fromSecret(variable: string): string {
  if (variable === 'DATABASE_URL') return 'postgres://switchboard@postgres:5432/switchboard';
  if (variable === 'SESSION_SECRET') return 'x'.repeat(32);
  return `secret-${variable.toLowerCase()}`;
}

describe('Helm chart', () => {
  it.each(HELM_RENDERINGS)(
    'gives every service a configuration it accepts, secrets by reference (%s)',
    (label) => {
      const all = rendering(label);
      for (const [service, spec] of Object.entries(SERVICES)) {
        const env = environment(all, podOf(find(all, 'Deployment', `${RELEASE}-${service}`)).containers[0]);
        // Required Secret keys as the Secret supplies them; optional ones absent.
        const source = Object.fromEntries(
          Object.entries(env)
            .filter(([, v]) => !v.endsWith('?'))
            .map(([k, v]) => [k, v.startsWith('secret:') ? fromSecret(k) : v]),
        );
        expect(() => loadConfig(spec, source), service).not.toThrow();
        for (const secret of secretNames(spec))
          if (env[secret] !== undefined) expect(env[secret], `${service} ${secret}`).toMatch(/^secret:/);
      }
    },
  );
});

describe('docker-compose.yml', () => {
  const raw = readCompose(COMPOSE_PATH);
  it.each(COMPOSE_RENDERINGS)(
    'gives every service a configuration it accepts (%s)',
    (_label, env, profiles) => {
      const { services } = renderCompose(raw, env, profiles);
      for (const [name, spec] of Object.entries(SERVICES))
        expect(() => loadConfig(spec, services[name]!.environment ?? {}), name).not.toThrow();
    },
  );
});
