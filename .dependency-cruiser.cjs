// The import rules the test command checks (`pnpm deps`): no import cycles in services/ or packages/,
// and no production module that imports a test double (test-only code lives under a `testing/` folder,
// exported through a `./testing` subpath).
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycles (type-only imports included) make parts impossible to test or move alone.',
      from: { path: '^(services|packages)/' },
      to: { circular: true },
    },
    {
      name: 'no-test-doubles-in-production',
      severity: 'error',
      comment:
        'Scripted connectors, fakes and harnesses are for tests: production code must not import a testing/ module.',
      from: {
        path: '^(services|packages)/[^/]+/src/',
        pathNot: ['\\.test\\.ts$', '/testing/', '\\.bench\\.ts$'],
      },
      to: { path: '^(services|packages)/[^/]+/src/.*testing/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|generated|\\.data|bench-results)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    preserveSymlinks: false,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'],
    },
  },
};
