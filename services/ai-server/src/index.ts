export { type AiServerDeps, buildApp } from './app.ts';
export { type AiServerConfig, configSpec, loadAiServerConfig } from './config.ts';
export type { AiDatabase, AppContext } from './context.ts';
export { MIGRATIONS_DIR, openAiDatabase } from './db.ts';
export { createOpenAiEmbedder, EMBEDDING_DIMENSIONS, type Embedder } from './knowledge/embedder.ts';
export { createHttpReranker, type Reranker } from './knowledge/reranker.ts';
export { AiMetrics } from './metrics.ts';
export type { ToolEndpointPolicy } from './tools/endpoint-policy.ts';
