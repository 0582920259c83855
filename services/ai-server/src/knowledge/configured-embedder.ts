import { ConfigError } from '@switchboard/service-kit';
import type { AiServerConfig } from '../config.ts';
import { createOpenAiEmbedder, type Embedder } from './embedder.ts';
import { createWordVectorEmbedder } from './word-vector-embedder.ts';

type EmbeddingConfig = Pick<
  AiServerConfig,
  'EMBEDDINGS' | 'OPENAI_API_KEY' | 'OPENAI_BASE_URL' | 'EMBEDDING_MODEL'
>;

/**
 * The embedder the configuration asks for: OpenAI-compatible when a key is given (or asked for),
 * otherwise the offline word vectors; none for lexical-only search.
 */
export function configuredEmbedder(config: EmbeddingConfig): Embedder | undefined {
  const provider =
    config.EMBEDDINGS === 'auto' ? (config.OPENAI_API_KEY ? 'openai' : 'local') : config.EMBEDDINGS;
  if (provider === 'none') return undefined;
  if (provider === 'local') return createWordVectorEmbedder();
  if (!config.OPENAI_API_KEY) throw new ConfigError(['OPENAI_API_KEY: is required when EMBEDDINGS=openai']);
  return createOpenAiEmbedder({
    apiKey: config.OPENAI_API_KEY,
    baseURL: config.OPENAI_BASE_URL,
    model: config.EMBEDDING_MODEL,
  });
}
