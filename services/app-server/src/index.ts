export { type AnalysisRuntime, analysisEnabled, startAnalysis } from './analysis/runtime.ts';
export { type AppServer, type AppServerDeps, buildAppServer } from './app.ts';
export { type AppServerConfig, appServerConfigSpec, readConfig } from './config.ts';
export { AppMetrics } from './metrics.ts';
export type { RecordingService } from './recordings/recording-service.ts';
export { httpTwilioRecordings } from './recordings/twilio-recordings.ts';
export { MemoryStore } from './store/memory-store.ts';
export { openPrismaStore } from './store/prisma-store.ts';
export type { AppStore } from './store/store.ts';
