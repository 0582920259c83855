// The workspace as the deployment tests see it: the deployable packages, their manifests, and the
// commands the images, docker-compose.yml and the Helm chart share.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PackageManifest } from './production-imports.ts';

export const ROOT = join(import.meta.dirname, '..', '..');

/** Image target → workspace folder. */
export const DEPLOYABLE = {
  'voice-server': 'services/voice-server',
  'ai-server': 'services/ai-server',
  'app-server': 'services/app-server',
  simulators: 'packages/simulators',
} as const;
export type Target = keyof typeof DEPLOYABLE;

/** The services that own a database (Prisma schema, migrations, a migration step before they start). */
export const DATABASE_SERVICES = ['ai-server', 'app-server'] as const;

/** What the migration step runs inside a service's image (compose's migrate services, the chart's hook Job). */
export const MIGRATE_COMMAND = ['node_modules/.bin/switchboard-db', 'migrate-deploy'] as const;

export function readManifest(dir: string): PackageManifest {
  return JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as PackageManifest;
}

/** Every workspace package folder (packages/*, services/*) with its manifest. */
export function workspacePackages(): Array<{ dir: string; manifest: PackageManifest }> {
  return ['packages', 'services'].flatMap((group) =>
    readdirSync(join(ROOT, group), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => ({ dir: `${group}/${e.name}`, manifest: readManifest(`${group}/${e.name}`) })),
  );
}

/** Workspace packages `dir` depends on in production, transitively (by package name). */
export function workspaceClosure(dir: string): Set<string> {
  const byName = new Map(workspacePackages().map((p) => [p.manifest.name, p]));
  const seen = new Set<string>();
  const visit = (manifest: PackageManifest) => {
    for (const dep of Object.keys(manifest.dependencies ?? {})) {
      const pkg = byName.get(dep);
      if (pkg && !seen.has(dep)) {
        seen.add(dep);
        visit(pkg.manifest);
      }
    }
  };
  visit(readManifest(dir));
  return seen;
}
