// The import rules the test command checks (`pnpm deps`): no import cycles in services/ or packages/,
// no production module that imports a test double (test-only code lives under a `testing/` folder,
// exported through a `./testing` subpath), and voice-server's heavy SDKs loaded only when configured.
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
    {
      name: 'heavy-sdks-load-when-configured',
      severity: 'error',
      comment:
        'The Opik and ElevenLabs SDKs take about 30 MB of heap each: voice-server reaches the modules that use them only through import(), when Opik or an ElevenLabs key is configured.',
      from: { path: '^services/voice-server/src/', pathNot: ['\\.test\\.ts$', '/testing/'] },
      to: {
        path: '^services/voice-server/src/(telemetry/opik-tracer|speech/scribe-transcriber)\\.ts$',
        dynamic: false,
      },
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
