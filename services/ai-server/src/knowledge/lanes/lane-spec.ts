/**
 * A brand's retrieval lanes: a primary lane and an optional second one, each a store and a retrieval
 * configuration, and the share of calls the second one serves. A call is assigned by a hash of its
 * stable key (the call SID), so one call never mixes lanes.
 */
import { createHash } from 'node:crypto';
import type { Retrieval } from '../search.ts';
import { CHUNK_BOUNDS, type Embedders, type LaneChunking, laneConfigProblem } from './lane-config.ts';

export type LaneStore = 'postgres' | 'pinecone';
export type LaneRole = 'primary' | 'secondary';

export interface LaneSpec {
  /** The brand's own name for it (shown in the admin API, the logs and the conversation). */
  name: string;
  store: LaneStore;
  /** postgres: hybrid, lexical or vector; pinecone: vector. */
  retrieval: Retrieval;
  /** Rerank the candidates with the configured cross-encoder (when the server has one). */
  rerank: boolean;
  /** The embedding model of the lane's chunks, one the server embeds with; default the ingest's. */
  embedding?: string;
  /** Chunk size and overlap of the lane's chunks; default the ingest's 480/80 tokens. */
  chunking?: LaneChunking;
}

export interface LaneSetting {
  primary: LaneSpec;
  secondary: LaneSpec | null;
  /** 0..100: the share of calls (by key) the secondary lane serves. */
  secondaryPercent: number;
}

/** What every brand has until it defines lanes: Postgres hybrid search with rerank, alone. */
export const DEFAULT_LANES: LaneSetting = Object.freeze({
  primary: Object.freeze({ name: 'default', store: 'postgres', retrieval: 'hybrid', rerank: true }),
  secondary: null,
  secondaryPercent: 0,
}) as LaneSetting;

export const LANE_NAME_PATTERN = '^[a-z0-9][a-z0-9_-]{0,31}$';

const laneSpecSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'store', 'retrieval'],
  properties: {
    name: { type: 'string', pattern: LANE_NAME_PATTERN },
    store: { type: 'string', enum: ['postgres', 'pinecone'] },
    retrieval: { type: 'string', enum: ['hybrid', 'lexical', 'vector'] },
    rerank: { type: 'boolean' },
    embedding: { type: 'string', minLength: 1, maxLength: 100 },
    chunking: {
      type: 'object',
      additionalProperties: false,
      required: ['maxTokens', 'overlapTokens'],
      properties: {
        maxTokens: { type: 'integer', minimum: CHUNK_BOUNDS.minTokens, maximum: CHUNK_BOUNDS.maxTokens },
        overlapTokens: { type: 'integer', minimum: 0, maximum: CHUNK_BOUNDS.maxTokens / 2 },
      },
    },
  },
} as const;

/** The body of `PUT /admin/knowledge/lanes`. */
export const laneSettingSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['primary'],
  properties: {
    primary: laneSpecSchema,
    secondary: { anyOf: [laneSpecSchema, { type: 'null' }] },
    secondaryPercent: { type: 'integer', minimum: 0, maximum: 100 },
  },
} as const;

/** What a setting asks that this server can't give; the message names the field. Null when fine. */
export function laneSettingProblem(
  s: LaneSetting,
  stores: ReadonlySet<LaneStore>,
  embedders: Embedders,
): string | null {
  const lanes: Array<[string, LaneSpec | null]> = [
    ['body.primary', s.primary],
    ['body.secondary', s.secondary],
  ];
  for (const [field, lane] of lanes) {
    if (!lane) continue;
    if (!stores.has(lane.store)) return `${field}.store: ${lane.store} is not configured on this server`;
    if (lane.store === 'pinecone' && lane.retrieval !== 'vector')
      return `${field}.retrieval: a pinecone lane is vector only`;
    const problem = laneConfigProblem(field, lane, embedders);
    if (problem) return problem;
  }
  if (s.secondary && s.secondary.name === s.primary.name)
    return 'body.secondary.name must differ from body.primary.name';
  if (!s.secondary && s.secondaryPercent > 0) return 'body.secondaryPercent needs body.secondary';
  return null;
}

/**
 * The lane a key is served by: the same key always gets the same lane for a given split; keys spread
 * evenly (the first 32 bits of sha256(brand, key) mod 100). No key: the primary lane.
 */
export function laneFor(setting: LaneSetting, brandId: string, key: string | undefined): LaneRole {
  if (!setting.secondary || setting.secondaryPercent <= 0 || !key) return 'primary';
  const bucket = createHash('sha256').update(`${brandId}\u0000${key}`).digest().readUInt32BE(0) % 100;
  return bucket < setting.secondaryPercent ? 'secondary' : 'primary';
}

export function laneOf(setting: LaneSetting, role: LaneRole): LaneSpec | null {
  return role === 'primary' ? setting.primary : setting.secondary;
}
