/**
 * A lane's index configuration: the embedding model and the chunking its chunk rows were made with.
 * A Postgres lane that asks for the ingest's own (the server's embedder, 480/80 tokens) searches the
 * ingest's rows; one that asks for another model or chunking has rows of its own, under a key that
 * names both, so vectors of different models never meet in one search.
 */
import { CHUNK_OVERLAP_TOKENS, CHUNK_TOKENS } from '../chunker.ts';
import type { Embedder } from '../embedder.ts';

/** What of a lane spec (lane-spec.ts) decides its index. */
interface LaneSpec {
  name: string;
  store: 'postgres' | 'pinecone';
  embedding?: string;
  chunking?: LaneChunking;
}

export interface LaneChunking {
  maxTokens: number;
  overlapTokens: number;
}

/** Chunk sizes a lane may ask for (cl100k_base tokens); the overlap is at most half the size. */
export const CHUNK_BOUNDS = { minTokens: 64, maxTokens: 1024 } as const;

export const DEFAULT_CHUNKING: LaneChunking = Object.freeze({
  maxTokens: CHUNK_TOKENS,
  overlapTokens: CHUNK_OVERLAP_TOKENS,
});

/** The model an embedder runs, without its size: the name a lane asks for it by. */
export const modelNameOf = (e: Embedder) => e.id.replace(/@\d+$/, '');

/** The embedders this server can embed with: the ingest's default and the others configured. */
export class Embedders {
  private readonly byName = new Map<string, Embedder>();

  constructor(
    readonly primary: Embedder | undefined,
    others: readonly Embedder[] = [],
  ) {
    for (const e of [...(primary ? [primary] : []), ...others])
      if (!this.byName.has(modelNameOf(e))) this.byName.set(modelNameOf(e), e);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  get(name: string): Embedder | undefined {
    return this.byName.get(name);
  }
}

/** A lane configuration other than the ingest's own, with what builds and searches its rows. */
export interface LaneIndexConfig {
  /** `<embedder id>/<maxTokens>-<overlapTokens>` (`lexical/…` without an embedder). */
  key: string;
  embedder: Embedder | undefined;
  chunking: LaneChunking;
}

/** The model and chunking a lane asks for, with the defaults filled in (null model: lexical only). */
export function effectiveConfig(
  spec: LaneSpec,
  embedders: Embedders,
): { embedding: string | null; chunking: LaneChunking } {
  return {
    embedding: spec.embedding ?? (embedders.primary ? modelNameOf(embedders.primary) : null),
    chunking: spec.chunking ?? DEFAULT_CHUNKING,
  };
}

/**
 * The lane's own configuration, or null when it searches the ingest's rows (a Pinecone lane always
 * does). Throws when the model is not one this server embeds with (the setting was checked when put;
 * the server's configuration may have changed since): the lane then fails and the other one answers.
 */
export function laneIndexConfig(spec: LaneSpec, embedders: Embedders): LaneIndexConfig | null {
  if (spec.store !== 'postgres') return null;
  const { embedding, chunking } = effectiveConfig(spec, embedders);
  const embedder = embedding === null ? undefined : embedders.get(embedding);
  if (embedding !== null && !embedder)
    throw new Error(`lane ${spec.name}: the embedding model ${embedding} is not configured on this server`);
  if (embedder === embedders.primary && sameChunking(chunking, DEFAULT_CHUNKING)) return null;
  return {
    key: `${embedder?.id ?? 'lexical'}/${chunking.maxTokens}-${chunking.overlapTokens}`,
    embedder,
    chunking,
  };
}

export const sameChunking = (a: LaneChunking, b: LaneChunking) =>
  a.maxTokens === b.maxTokens && a.overlapTokens === b.overlapTokens;

/** What a lane's embedding or chunking asks that this server can't give; null when fine. */
export function laneConfigProblem(field: string, spec: LaneSpec, embedders: Embedders): string | null {
  if (spec.embedding !== undefined && !embedders.get(spec.embedding)) {
    const known = embedders.names();
    return `${field}.embedding: ${spec.embedding} is not a model this server embeds with (${known.length ? known.join(', ') : 'none: lexical only'})`;
  }
  if (spec.chunking && spec.chunking.overlapTokens * 2 > spec.chunking.maxTokens)
    return `${field}.chunking.overlapTokens: at most half of maxTokens (${Math.floor(spec.chunking.maxTokens / 2)})`;
  if (spec.store === 'pinecone') {
    const { embedding, chunking } = effectiveConfig(spec, embedders);
    const own = embedders.primary ? modelNameOf(embedders.primary) : null;
    if (embedding !== own)
      return `${field}.embedding: a pinecone lane holds the ingest's default model (${own ?? 'none'})`;
    if (!sameChunking(chunking, DEFAULT_CHUNKING))
      return `${field}.chunking: a pinecone lane holds the ingest's default chunking (${DEFAULT_CHUNKING.maxTokens}/${DEFAULT_CHUNKING.overlapTokens})`;
  }
  return null;
}
