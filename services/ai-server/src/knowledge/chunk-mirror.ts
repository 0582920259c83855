/**
 * A second store that holds a copy of every brand's chunks (a retrieval lane other than Postgres),
 * written in step with ingestion and article deletion. Each write is tagged with a version so a
 * half-done write can be taken back (by the ids it wrote) and an older version removed afterwards.
 */

export interface MirrorChunk {
  chunkId: string;
  ordinal: number;
  title: string;
  url: string | null;
  text: string;
  /** The article's language (ISO 639 primary subtag); searches filter on it. */
  language?: string;
  /** Chunks without an embedding (no word the model knows) are not mirrored. */
  embedding?: number[];
}

/** The mirror store failed; what it had written of this operation was taken back, or is reported. */
export class MirrorError extends Error {
  override name = 'MirrorError';
}

export interface ChunkMirror {
  /** Stable name of the store and index, recorded on each article it holds (`pinecone:<index>`). */
  readonly id: string;
  /**
   * Writes one article's chunks under `version`; on failure it deletes whatever of them it wrote
   * and throws MirrorError. Returns the record ids written.
   */
  writeArticle(
    brandId: string,
    articleId: string,
    version: string,
    chunks: readonly MirrorChunk[],
  ): Promise<string[]>;
  /** Deletes records by id (taking back a write whose Postgres half failed). */
  removeRecords(brandId: string, ids: readonly string[]): Promise<void>;
  /** Deletes an article's records, all of them or all but `keepVersion`'s. */
  removeArticle(brandId: string, articleId: string, keepVersion?: string): Promise<void>;
  /** Records the brand has in the store. */
  count(brandId: string): Promise<number>;
}

/** Chunks the mirror is expected to hold: those with an embedding. */
export const mirrorable = (chunks: readonly MirrorChunk[]) => chunks.filter((c) => c.embedding);
