/**
 * Deterministic simulators of the knowledge-base edges: OpenAI's embeddings endpoint (backed by
 * trained word vectors, so paraphrases land close as with a real model) and a
 * text-embeddings-inference style `/rerank`. Point the openai SDK at `openaiBaseUrl`.
 */
export {
  cosine,
  embeddingToBase64,
  hashedEmbedding,
  MODEL_DIMENSIONS,
  simulatedEmbedding,
} from './embeddings.ts';
export { rerankScore, sigmoid } from './rerank.ts';
export {
  type KnowledgeSimulator,
  type KnowledgeSimulatorOptions,
  type KnowledgeSimulatorStats,
  startKnowledgeSimulator,
} from './server.ts';
export { contentTerms, stem, textFeatures, words } from './text-features.ts';
