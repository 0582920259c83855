// The Helm chart: lints, renders with the default and with production-like values, every rendered
// object passes its Kubernetes schema, and the renderings keep the promises the chart README makes
// (voice-server drains every call, secrets stay in Secrets, internal routes stay internal).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AiMetrics, configSpec as aiServerSpec } from '@switchboard/ai-server';
import { AppMetrics, appServerConfigSpec } from '@switchboard/app-server';
import { type ConfigSpec, secretNames } from '@switchboard/service-kit';
import { VoiceMetrics, voiceServerConfigSpec } from '@switchboard/voice-server';
import { describe, expect, it } from 'vitest';
import {
  CHART,
  environment,
  type Fields,
  find,
  HELM_RENDERINGS,
  helm,
  type Manifest,
  PRODUCTION_VALUES,
  podOf,
  RELEASE,
  render,
  rendering,
  schemaProblems,
} from './helm.ts';
import { MIGRATE_COMMAND, ROOT } from './workspace.ts';

const SPECS: Record<string, ConfigSpec> = {
  'voice-server': voiceServerConfigSpec,
  'ai-server': aiServerSpec,
  'app-server': appServerConfigSpec,
};
const docs = rendering;
const name = (service: string) => `${RELEASE}-${service}`;

describe('Helm chart', () => {
  it.each([
    ['default values', []],
    ['production values', ['-f', PRODUCTION_VALUES]],
  ])('lints with %s', (_label, args) => {
    const r = helm(['lint', '--strict', CHART, ...args]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
  });

  it.each(HELM_RENDERINGS)('renders only objects that pass their Kubernetes schema (%s)', (label) => {
    const all = docs(label);
    expect(all.length).toBeGreaterThan(10);
    expect(all.flatMap(schemaProblems)).toEqual([]);
  });

  it('the schema check catches a mistake', () => {
    const voice = structuredClone(find(docs('default values'), 'Deployment', name('voice-server')));
    voice.spec.template.spec.terminationGracePeriodSeconds = '2160';
    expect(schemaProblems(voice)).toEqual([expect.stringContaining('terminationGracePeriodSeconds')]);
  });

  it('renders what the issue lists, with the Prometheus objects only behind their switch', () => {
    const kinds = (all: Manifest[]) => [...new Set(all.map((m) => m.kind))].sort();
    expect(kinds(docs('production values'))).toEqual([
      'ConfigMap',
      'Deployment',
      'HorizontalPodAutoscaler',
      'Ingress',
      'Job',
      'NetworkPolicy',
      'PodDisruptionBudget',
      'PrometheusRule',
      'Service',
      'ServiceAccount',
      'ServiceMonitor',
    ]);
    expect(kinds(docs('default values'))).not.toContain('ServiceMonitor');
    expect(kinds(docs('default values'))).not.toContain('PrometheusRule');
    for (const service of Object.keys(SPECS)) {
      find(docs('default values'), 'Deployment', name(service));
      find(docs('default values'), 'Service', name(service));
      find(docs('default values'), 'PodDisruptionBudget', name(service));
      find(docs('default values'), 'NetworkPolicy', name(service));
    }
  });

  it.each(HELM_RENDERINGS)(
    'lets voice-server drain every call: grace period > DRAIN_TIMEOUT_MS > longest call, readiness flips, surge-only rollout (%s)',
    (label, _files, _sets, maxCallSeconds) => {
      const all = docs(label);
      const voice = find(all, 'Deployment', name('voice-server'));
      const pod = podOf(voice);
      const container = pod.containers[0];
      const drainMs = Number(environment(all, container).DRAIN_TIMEOUT_MS);
      const preStopSeconds = Number(container.lifecycle?.preStop?.exec?.command?.[1] ?? 0);
      // The pod's clock starts before preStop runs; SIGTERM (and the drain) only after it.
      expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(preStopSeconds * 1000 + drainMs);
      expect(drainMs).toBeGreaterThan(maxCallSeconds * 1000);
      expect(container.readinessProbe.httpGet.path).toBe('/health-check/ready');
      expect(container.readinessProbe.failureThreshold).toBe(1);
      expect(container.livenessProbe.httpGet.path).toBe('/health-check/live');
      expect(voice.spec.strategy.type).toBe('RollingUpdate');
      expect(voice.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
      expect(voice.spec.strategy.rollingUpdate.maxSurge).toBeGreaterThanOrEqual(1);
      expect(find(all, 'PodDisruptionBudget', name('voice-server')).spec.maxUnavailable).toBe(1);
      // The ingress must not cut a stream the pod is still serving.
      const ingress = all.find((m) => m.kind === 'Ingress' && m.metadata.name === name('voice'));
      if (ingress) {
        const a = ingress.metadata.annotations!;
        for (const key of ['proxy-read-timeout', 'proxy-send-timeout'])
          expect(Number(a[`nginx.ingress.kubernetes.io/${key}`]) * 1000).toBeGreaterThanOrEqual(drainMs);
      }
    },
  );

  it('scales voice-server on CPU (and active calls), removing draining pods one at a time', () => {
    const hpa = find(docs('production values'), 'HorizontalPodAutoscaler', name('voice-server'));
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: name('voice-server') });
    expect(hpa.spec.metrics.map((m: Fields) => m.resource?.name ?? m.pods?.metric.name)).toEqual([
      'cpu',
      'voice_active_calls',
    ]);
    expect(hpa.spec.behavior.scaleDown.policies).toEqual([{ type: 'Pods', value: 1, periodSeconds: 300 }]);
    // With an HPA the Deployment leaves replicas to it (or every upgrade would reset the count).
    expect(find(docs('production values'), 'Deployment', name('voice-server')).spec.replicas).toBeUndefined();
  });

  it('signs Twilio webhooks with the voice host the Ingress serves', () => {
    const all = docs('production values');
    const env = environment(all, podOf(find(all, 'Deployment', name('voice-server'))).containers[0]);
    const voiceIngress = find(all, 'Ingress', name('voice'));
    expect(env.PUBLIC_BASE_URL).toBe(`https://${voiceIngress.spec.rules[0].host}`);
    expect(voiceIngress.spec.tls[0].hosts).toEqual([voiceIngress.spec.rules[0].host]);
  });

  it('never renders a secret value outside a Secret, and refuses one given as a plain setting', () => {
    const sentinel = 'sk-sentinel-4f1d9a';
    const all = render(
      [],
      [
        'secret.create=true',
        `secret.values.OPENAI_API_KEY=${sentinel}`,
        `secret.values.SERVICE_TOKEN=${sentinel}`,
      ],
    );
    const holders = all.filter((m) => JSON.stringify(m).includes(sentinel)).map((m) => m.kind);
    expect(holders).toEqual(['Secret']);
    // The chart's Secret exists before the migration hook that reads it.
    const secret = find(all, 'Secret', `${RELEASE}-secrets`);
    expect(secret.metadata.annotations!['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    expect(Number(secret.metadata.annotations!['helm.sh/hook-weight'])).toBeLessThan(0);
    for (const cm of all.filter((m) => m.kind === 'ConfigMap'))
      for (const spec of Object.values(SPECS))
        for (const secretVar of secretNames(spec))
          expect(Object.keys(cm.data ?? {})).not.toContain(secretVar);
    expect(() => render([], [`aiServer.env.OPENAI_API_KEY=${sentinel}`])).toThrow(
      /secrets belong in the Secret/,
    );
  });

  it('refuses values its schema does not allow, naming them', () => {
    expect(() => render([], ['calls.maxCallDurationSeconds=20000'])).toThrow(/maxCallDurationSeconds/);
    expect(() => render([], ['voiceServer.replica=3'])).toThrow(/replica/);
    expect(() => render([], ['image.pullPolicy=Sometimes'])).toThrow(/pullPolicy/);
  });

  it('routes only public paths through the Ingresses', () => {
    const ingresses = docs('production values').filter((m) => m.kind === 'Ingress');
    const routes = Object.fromEntries(
      ingresses.map((i) => [
        i.metadata.name,
        i.spec.rules[0].http.paths.map((p: Fields) => `${p.pathType} ${p.path} → ${p.backend.service.name}`),
      ]),
    );
    expect(routes[name('voice')]).toEqual([
      `Exact /twilio-voice-webhook → ${name('voice-server')}`,
      `Exact /twilio-stream → ${name('voice-server')}`,
      // Twilio's status and AMD callbacks and the answer webhook of outbound calls.
      `Prefix /twilio-outbound → ${name('voice-server')}`,
      // Twilio's recording status callbacks (recorded profiles).
      `Prefix /twilio-recording → ${name('voice-server')}`,
    ]);
    // Every staff page is reachable: the live monitor, analytics and its CSV, callbacks, Try your bot.
    expect(routes[name('app')]).toEqual(
      expect.arrayContaining(
        ['Prefix /live', 'Prefix /analytics', 'Exact /analytics.csv', 'Prefix /callbacks', 'Prefix /try'].map(
          (r) => `${r} → ${name('app-server')}`,
        ),
      ),
    );
    const all = Object.values(routes).flat();
    for (const internal of ['/internal', '/voiceagent', '/metrics', '/admin/drain', '/admin/staff'])
      expect(all.filter((r) => r.split(' ')[1]!.startsWith(internal))).toEqual([]);
    expect(all).not.toContain(`Prefix / → ${name('app-server')}`);
  });

  it('opens browser test calls only when asked: /web-call on the voice host, the shared secret from the Secret', () => {
    const paths = (all: Manifest[]) =>
      all
        .filter((m) => m.kind === 'Ingress' && m.metadata.name === name('voice'))
        .flatMap((i) => i.spec.rules[0].http.paths.map((p: Fields) => p.path));
    const off = docs('production values');
    expect(paths(off)).not.toContain('/web-call');
    expect(
      environment(off, podOf(find(off, 'Deployment', name('app-server'))).containers[0]).WEB_CALL_URL,
    ).toBe(undefined);
    const on = render([PRODUCTION_VALUES], ['webCalls.enabled=true']);
    expect(paths(on)).toContain('/web-call');
    const voice = environment(on, podOf(find(on, 'Deployment', name('voice-server'))).containers[0]);
    const app = environment(on, podOf(find(on, 'Deployment', name('app-server'))).containers[0]);
    expect(voice.WEB_CALL_SECRET).toBe('secret:WEB_CALL_SECRET');
    expect(app.WEB_CALL_SECRET).toBe('secret:WEB_CALL_SECRET');
    expect(app.WEB_CALL_URL).toBe('wss://voice.switchboard.example.com/web-call');
    const custom = render(
      [PRODUCTION_VALUES],
      ['webCalls.enabled=true', 'webCalls.url=wss://calls.example.com/web-call'],
    );
    expect(
      environment(custom, podOf(find(custom, 'Deployment', name('app-server'))).containers[0]).WEB_CALL_URL,
    ).toBe('wss://calls.example.com/web-call');
  });

  it("tells app-server each voice-server pod's own address, and lets app-server reach it (the live monitor's actions)", () => {
    const all = docs('production values');
    const env = environment(all, podOf(find(all, 'Deployment', name('voice-server'))).containers[0]);
    expect(env.POD_IP).toBe('field:status.podIP');
    expect(env.VOICE_SERVER_INTERNAL_URL).toBe('http://$(POD_IP):8080');
    const peers = find(all, 'NetworkPolicy', name('voice-server')).spec.ingress.flatMap(
      (r: Fields) => r.from,
    );
    expect(peers).toContainEqual({
      podSelector: {
        matchLabels: { 'app.kubernetes.io/instance': RELEASE, 'app.kubernetes.io/name': 'app-server' },
      },
    });
  });

  it('tells app-server and the analysis worker where ai-server is, and lets them reach it (booked callbacks, analysis schemas)', () => {
    const all = docs('production values');
    const aiUrl = `http://${name('ai-server')}:8081`;
    const app = environment(all, podOf(find(all, 'Deployment', name('app-server'))).containers[0]);
    expect(app.AI_SERVER_URL).toBe(aiUrl);
    const worker = environment(all, podOf(find(all, 'Deployment', name('analysis-worker'))).containers[0]);
    expect(worker.AI_SERVER_URL).toBe(aiUrl);
    // The URL names the Service ai-server's pods sit behind, on its port.
    const service = find(all, 'Service', name('ai-server'));
    expect(service.spec.ports.map((p: Fields) => p.port)).toContain(8081);
    const peers = find(all, 'NetworkPolicy', name('ai-server')).spec.ingress.flatMap((r: Fields) => r.from);
    for (const client of ['app-server', 'analysis-worker'])
      expect(peers).toContainEqual({
        podSelector: {
          matchLabels: { 'app.kubernetes.io/instance': RELEASE, 'app.kubernetes.io/name': client },
        },
      });
    // app-server's own internal routes stay closed to them.
    const appPeers = find(all, 'NetworkPolicy', name('app-server')).spec.ingress.flatMap(
      (r: Fields) => r.from,
    );
    expect(
      appPeers.some(
        (p: Fields) => p.podSelector?.matchLabels?.['app.kubernetes.io/name'] === 'analysis-worker',
      ),
    ).toBe(false);
  });

  it('lets only this release’s voice-server (to ai-server also app-server and its analysis worker), the ingress controller and Prometheus reach ai-server and app-server', () => {
    const all = docs('production values');
    for (const service of ['ai-server', 'app-server']) {
      const policy = find(all, 'NetworkPolicy', name(service));
      expect(policy.spec.policyTypes).toEqual(['Ingress']);
      expect(policy.spec.podSelector.matchLabels['app.kubernetes.io/name']).toBe(service);
      const peers = policy.spec.ingress.flatMap((rule: Fields) => {
        expect(rule.from?.length, 'a rule without `from` admits everyone').toBeGreaterThan(0);
        return rule.from;
      });
      expect(peers).toContainEqual({
        podSelector: {
          matchLabels: { 'app.kubernetes.io/instance': RELEASE, 'app.kubernetes.io/name': 'voice-server' },
        },
      });
      for (const peer of peers)
        expect(
          peer.podSelector?.matchLabels?.['app.kubernetes.io/name'] === 'voice-server' ||
            (service === 'ai-server' &&
              ['app-server', 'analysis-worker'].includes(
                peer.podSelector?.matchLabels?.['app.kubernetes.io/name'],
              )) ||
            peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'ingress-nginx' ||
            // Prometheus, for /metrics, with the ServiceMonitors on.
            peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'monitoring',
          JSON.stringify(peer),
        ).toBe(true);
    }
    // Without an ai host, nothing outside the release reaches ai-server at all.
    const closed = find(docs('default values'), 'NetworkPolicy', name('ai-server'));
    expect(closed.spec.ingress).toHaveLength(1);
  });

  it.each(HELM_RENDERINGS)('runs every pod unprivileged on a read-only root filesystem (%s)', (label) => {
    for (const m of docs(label).filter((d) => d.kind === 'Deployment' || d.kind === 'Job')) {
      const pod = podOf(m);
      expect(pod.securityContext.runAsNonRoot, m.metadata.name).toBe(true);
      expect(pod.automountServiceAccountToken, m.metadata.name).toBe(false);
      for (const c of pod.containers) {
        expect(c.securityContext, m.metadata.name).toMatchObject({
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
        });
        expect(c.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
        expect(c.resources.requests.memory, m.metadata.name).toBeDefined();
        expect(c.resources.limits.memory, m.metadata.name).toBeDefined();
        // No CPU limit: CFS throttling would stall audio relays mid-frame.
        expect(c.resources.limits.cpu, m.metadata.name).toBeUndefined();
      }
    }
  });

  it('runs post-call analysis in its own Deployment when asked: app-server’s image, the worker command, app-server’s settings', () => {
    const all = docs('production values');
    const worker = podOf(find(all, 'Deployment', name('analysis-worker')));
    const app = podOf(find(all, 'Deployment', name('app-server'))).containers[0];
    const c = worker.containers[0];
    expect(c.image).toBe(app.image);
    expect(c.command).toEqual(['node', '--import', 'tsx', 'src/analysis-worker.ts']);
    // The command names a file the app-server image holds.
    expect(existsSync(join(ROOT, 'services', 'app-server', c.command.at(-1)))).toBe(true);
    const env = environment(all, c);
    const appEnv = environment(all, app);
    for (const key of ['DATABASE_URL', 'OPENAI_API_KEY', 'LOG_LEVEL'])
      expect(env[key], key).toBe(appEnv[key]);
    expect(env.OPENAI_API_KEY).toMatch(/^secret:/);
    // The replicas only enqueue; the worker listens on nothing and admits no connection.
    expect(appEnv.ANALYSIS_WORKER).toBe('off');
    expect(c.ports).toBeUndefined();
    expect(find(all, 'NetworkPolicy', name('analysis-worker')).spec.ingress).toEqual([]);
    expect(all.some((m) => m.kind === 'Service' && m.metadata.name === name('analysis-worker'))).toBe(false);
    // Off (the default): no worker, and app-server runs the jobs itself.
    const plain = docs('default values');
    expect(plain.some((m) => m.metadata.name === name('analysis-worker'))).toBe(false);
    const plainApp = podOf(find(plain, 'Deployment', name('app-server'))).containers[0];
    expect(environment(plain, plainApp).ANALYSIS_WORKER).toBeUndefined();
    expect(environment(plain, plainApp).OPENAI_API_KEY).toMatch(/^secret:/);
  });

  it('migrates each database in a pre-install/pre-upgrade hook with the service’s own image', () => {
    const all = docs('production values');
    for (const service of ['ai-server', 'app-server']) {
      const job = find(all, 'Job', `${name(service)}-migrate`);
      expect(job.metadata.annotations!['helm.sh/hook']).toBe('pre-install,pre-upgrade');
      const deployment = podOf(find(all, 'Deployment', name(service))).containers[0];
      const migrate = podOf(job).containers[0];
      expect(migrate.command).toEqual([...MIGRATE_COMMAND]);
      expect(migrate.image).toBe(deployment.image);
      expect(environment(all, migrate).DATABASE_URL).toBe(environment(all, deployment).DATABASE_URL);
      expect(podOf(job).restartPolicy).toBe('Never');
    }
    // Image digests pin what runs.
    expect(podOf(find(all, 'Deployment', name('voice-server'))).containers[0].image).toMatch(
      /^registry\.example\.com\/switchboard\/voice-server@sha256:[0-9a-f]{64}$/,
    );
  });

  it('scrapes each service, and alerts and charts only the series the services export', async () => {
    const all = docs('production values');
    for (const service of Object.keys(SPECS)) {
      const monitor = find(all, 'ServiceMonitor', name(service));
      expect(monitor.spec.selector.matchLabels).toEqual(find(all, 'Service', name(service)).spec.selector);
      expect(monitor.spec.endpoints[0]).toMatchObject({ port: 'http', path: '/metrics' });
    }
    const exported = await exportedSeries();
    const rule = find(all, 'PrometheusRule', name('voice-server'));
    const groups = rule.spec.groups as Array<{ name: string; rules: Fields[] }>;
    const voiceService = find(all, 'Service', name('voice-server'));
    // The job label Prometheus gives a ServiceMonitor's targets is the Service's name.
    for (const r of groups[0]!.rules) expect(r.expr).toContain(`job="${voiceService.metadata.name}"`);
    const alerts = groups.flatMap((g) => g.rules.map((r) => r.alert as string));
    for (const alert of [
      'SwitchboardCallsDropped',
      'SwitchboardEventLoopLag',
      'SwitchboardRealtimeErrors',
      'SwitchboardSyncQueueDeep',
    ])
      expect(alerts).toContain(alert);
    for (const r of groups.flatMap((g) => g.rules)) {
      const series = seriesIn(r.expr as string);
      expect(series.length, r.alert).toBeGreaterThan(0);
      for (const s of series) expect(exported.has(s), `${r.alert}: ${s}`).toBe(true);
    }
    // The dashboard: a ConfigMap Grafana's sidecar picks up, charting exported series only.
    const board = find(all, 'ConfigMap', name('dashboard'));
    expect((board.metadata as Fields).labels.grafana_dashboard).toBe('1');
    const dashboard = JSON.parse(board.data['switchboard.json']) as {
      panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
    };
    expect(dashboard.panels.length).toBeGreaterThan(10);
    for (const panel of dashboard.panels)
      for (const t of panel.targets)
        for (const s of seriesIn(t.expr)) expect(exported.has(s), `${panel.title}: ${s}`).toBe(true);
    const charted = new Set(dashboard.panels.flatMap((p) => p.targets.flatMap((t) => seriesIn(t.expr))));
    for (const s of [
      'voice_active_calls',
      'voice_turn_latency_seconds_bucket',
      'nodejs_eventloop_lag_p99_seconds',
    ])
      expect(charted).toContain(s);
    // Off by default.
    expect(docs('default values').some((m) => m.metadata.name === name('dashboard'))).toBe(false);
  });

  it('installs the very files deploy/observability holds', () => {
    for (const file of ['grafana-dashboard.json', 'switchboard-alerts.yaml'])
      expect(readFileSync(join(CHART, 'files', file), 'utf8'), file).toBe(
        readFileSync(join(CHART, '..', '..', 'deploy', 'observability', file), 'utf8'),
      );
  });
});

/** Series names a PromQL expression reads (label matchers, strings, durations and grouping left out). */
function seriesIn(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const words = [...bare.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(\s*\()?/g)]
    .filter((m) => !m[2] && !/^(and|or|unless|bool|offset)$/.test(m[1]!))
    .map((m) => m[1]!);
  return [...new Set(words)];
}

/** Every series name the three services' /metrics registries expose (histograms with their parts). */
async function exportedSeries(): Promise<Set<string>> {
  const voice = new VoiceMetrics();
  voice.enableProcessMetrics();
  const texts = await Promise.all([
    voice.render(),
    new AiMetrics().registry.metrics(),
    new AppMetrics().registry.metrics(),
  ]);
  const names = new Set(['up']);
  for (const text of texts)
    for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      names.add(m[1]!);
      if (m[2] === 'histogram') for (const part of ['_bucket', '_sum', '_count']) names.add(`${m[1]}${part}`);
    }
  return names;
}

describe('the chart README', () => {
  const readme = readFileSync(join(CHART, 'README.md'), 'utf8');
  const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as Fields;

  /** Value paths the schema defines, down to the leaves it does not describe further (a container's `resources` is one value). */
  function leaves(node: Fields, prefix = ''): string[] {
    if (!node.properties || prefix.endsWith('.resources')) return [prefix];
    return Object.entries(node.properties as Record<string, Fields>)
      .filter(([key]) => key !== 'global')
      .flatMap(([key, child]) => leaves(child, prefix ? `${prefix}.${key}` : key));
  }

  it('explains every value (settings shared by the three services as `<service>.…`)', () => {
    const undocumented = leaves(schema).filter((path) => {
      if (readme.includes(`\`${path}\``)) return false;
      const shared = /^(voiceServer|aiServer|appServer)\.(.+)$/.exec(path);
      return !(shared && readme.includes(`\`<service>.${shared[2]}\``));
    });
    expect(undocumented).toEqual([]);
  });

  it('names every key the Secret may hold', () => {
    const keys = schema.properties.secret.properties.values.propertyNames.enum as string[];
    expect(keys.filter((k) => !readme.includes(`\`${k}\``))).toEqual([]);
  });

  it('is a runbook: install, upgrade, roll back, watch a drain, with the commands', () => {
    for (const section of ['### Install', '### Upgrade', '### Roll back', '### Watch a drain'])
      expect(readme).toContain(section);
    for (const command of [
      'helm install sb',
      'helm upgrade sb',
      'helm rollback sb',
      'kubectl -n switchboard rollout status',
    ])
      expect(readme).toContain(command);
  });

  it('quotes the numbers the default rendering has', () => {
    const all = docs('default values');
    const voice = find(all, 'Deployment', name('voice-server'));
    const env = environment(all, podOf(voice).containers[0]);
    expect(readme).toContain(`| ${env.DRAIN_TIMEOUT_MS} (35 min)`);
    expect(readme).toContain(`| ${podOf(voice).terminationGracePeriodSeconds} |`);
    const ingress = find(all, 'Ingress', name('voice'));
    expect(readme).toContain(
      `| ${ingress.metadata.annotations!['nginx.ingress.kubernetes.io/proxy-read-timeout']} s | = drain timeout`,
    );
    expect(readme).toContain(`worker-shutdown-timeout: "${podOf(voice).terminationGracePeriodSeconds}s"`);
  });
});
