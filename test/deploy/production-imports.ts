// Which npm packages a workspace package's production code loads, and whether its own `dependencies`
// provide them. Under `pnpm deploy --prod` only those are installed, so anything else (a dev
// dependency, or a package that resolved only through the workspace root) fails at run time.
import { readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

export interface PackageManifest {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  scripts?: Record<string, string>;
}

/** One module a file loads at run time. */
export interface RuntimeImport {
  file: string;
  specifier: string;
  /** The npm package the specifier names. */
  pkg: string;
}

export interface ImportProblem extends RuntimeImport {
  /** `dev-only`: only a devDependency provides it; `undeclared`: not declared by the package at all. */
  kind: 'dev-only' | 'undeclared';
}

const SOURCE = /\.(ts|mts|js|mjs)$/;

/** The package a bare specifier names (`@scope/name/sub` → `@scope/name`), or undefined for relative, builtin, or URL specifiers. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || /^[a-z]+:/.test(specifier)) return undefined;
  if (isBuiltin(specifier)) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function stringArg(node: ts.CallExpression): string | undefined {
  const [first] = node.arguments;
  return first && ts.isStringLiteralLike(first) ? first.text : undefined;
}

/** Module specifiers `source` loads at run time: type-only imports and exports are left out, since TypeScript erases them. */
export function runtimeSpecifiers(source: string, fileName = 'file.ts'): string[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly =
        clause?.isTypeOnly ||
        (clause &&
          !clause.name &&
          clause.namedBindings &&
          ts.isNamedImports(clause.namedBindings) &&
          clause.namedBindings.elements.length > 0 &&
          clause.namedBindings.elements.every((e) => e.isTypeOnly));
      if (!typeOnly) found.push(node.moduleSpecifier.text);
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      const typeOnly =
        node.isTypeOnly ||
        (node.exportClause &&
          ts.isNamedExports(node.exportClause) &&
          node.exportClause.elements.length > 0 &&
          node.exportClause.elements.every((e) => e.isTypeOnly));
      if (!typeOnly) found.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const text = callee.getText(sf);
      // import('x'), require('x'), require.resolve('x'), import.meta.resolve('x')
      if (
        callee.kind === ts.SyntaxKind.ImportKeyword ||
        text === 'require' ||
        text === 'require.resolve' ||
        text === 'import.meta.resolve'
      ) {
        const spec = stringArg(node);
        if (spec !== undefined) found.push(spec);
      }
    } else if (ts.isImportTypeNode(node)) {
      return; // typeof import('x') in a type position: erased
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** Test helpers kept beside the code (`testing/` folders, `test-helpers.ts`, `test-support.ts`, `test-harness.ts`). */
export function isTestSupport(file: string): boolean {
  return (
    /(^|[\\/])testing[\\/]/.test(file) || /(^|[\\/])test-(helpers|support|harness)\.[mc]?[jt]s$/.test(file)
  );
}

/** Source files under src/ and bin/ of a package folder, tests left out. */
export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const path = join(d, e.name);
      if (e.isDirectory() && e.name !== 'node_modules' && e.name !== 'fixtures') walk(path);
      else if (e.isFile() && SOURCE.test(e.name) && !/\.test\.[mc]?[jt]s$/.test(e.name)) out.push(path);
    }
  };
  walk(join(dir, 'src'));
  walk(join(dir, 'bin'));
  return out.sort();
}

/**
 * The files a package runs in production: every source file but tests and test helpers, plus any
 * test helper that such a file imports (then it is production code too).
 */
export function productionFiles(dir: string): string[] {
  const all = sourceFiles(dir);
  const included = new Set(all.filter((f) => !isTestSupport(f)));
  const pending = [...included];
  while (pending.length > 0) {
    const file = pending.pop()!;
    for (const spec of runtimeSpecifiers(readFileSync(file, 'utf8'), file)) {
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec);
      if (all.includes(target) && !included.has(target)) {
        included.add(target);
        pending.push(target);
      }
    }
  }
  return [...included].sort();
}

/** The binary a package script starts (`tsx src/main.ts` → `tsx`), if it is not a shell builtin or node. */
function scriptBinary(command: string): string | undefined {
  const first = command.trim().split(/\s+/)[0];
  return first && !['node', 'cd', 'sh', 'bash', 'echo', 'exit'].includes(first) ? first : undefined;
}

/** Runtime imports of a package's production code (and the binaries its `start` script runs) its dependencies do not provide. */
export function checkPackage(
  dir: string,
  manifest: PackageManifest,
  /** Binary name → the package that provides it (e.g. `switchboard-db` → `@switchboard/db`). */
  binaries: Record<string, string> = {},
): ImportProblem[] {
  const provided = new Set([
    manifest.name,
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.optionalDependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
  ]);
  const dev = new Set(Object.keys(manifest.devDependencies ?? {}));
  const imports: RuntimeImport[] = [];
  for (const file of productionFiles(dir)) {
    for (const specifier of runtimeSpecifiers(readFileSync(file, 'utf8'), file)) {
      const pkg = packageOf(specifier);
      if (pkg) imports.push({ file: relative(dir, file), specifier, pkg });
    }
  }
  const start = manifest.scripts?.start;
  const bin = start ? scriptBinary(start) : undefined;
  if (bin) imports.push({ file: 'package.json#scripts.start', specifier: bin, pkg: binaries[bin] ?? bin });
  return imports
    .filter((i) => !provided.has(i.pkg))
    .map((i) => ({ ...i, kind: dev.has(i.pkg) ? 'dev-only' : 'undeclared' }));
}
