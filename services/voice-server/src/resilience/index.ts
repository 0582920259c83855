export {
  type AiCacheMetricsSink,
  type CachedAiMethod,
  CachingAiServer,
  type CachingAiServerOptions,
  type PromptCacheScope,
} from './caching-ai-server.ts';
export { isPeerRejection, isPeerUnavailable } from './peer-errors.ts';
export {
  type AppSyncMetricsSink,
  PROVISIONAL_TICKET_PREFIX,
  provisionalTicketId,
  QueuedAppServer,
  type QueuedAppServerOptions,
  type SyncDropReason,
  type SyncItemKind,
} from './queued-app-server.ts';
export {
  type BreakerState,
  DEFAULT_BREAKER_OPTIONS,
  RealtimeBreaker,
  type RealtimeBreakerOptions,
} from './realtime-breaker.ts';
