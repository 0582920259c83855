/** Response schemas of the retrieval lane routes. */
import { answer, arr, bool, dateTime, int, nullable, num, obj, oneOf, str } from '@switchboard/service-kit';

const role = oneOf('primary', 'secondary');
const store = oneOf('postgres', 'pinecone');

/**
 * An evaluation's figures (hit@1, recall, MRR, nDCG, separation, latency); the set of figures grows
 * with the evaluation code, so the object stays open beside the fields named here.
 */
const figuresSchema = {
  ...obj({ questions: int, hit1: num, recall5: num, recall12: num, mrr: num, ndcg12: num }),
  additionalProperties: true,
};

const liveSchema = obj({
  lane: str,
  searches: int,
  calls: int,
  latencyMs: obj({ p50: nullable(num), p95: nullable(num) }),
  emptyResults: int,
  noAnswer: int,
  servedAsFallback: int,
});

const lanesView = obj({
  secondaryPercent: int,
  liveWindowHours: int,
  stores: arr(store),
  /** The embedding models a lane may ask for. */
  embeddings: arr(str),
  lanes: arr(
    obj({
      role,
      name: str,
      store,
      retrieval: oneOf('hybrid', 'lexical', 'vector'),
      rerank: bool,
      /** The model of the lane's chunks (null: lexical only) and their chunking, defaults filled in. */
      embedding: nullable(str),
      chunking: obj({ maxTokens: int, overlapTokens: int }),
      callShare: int,
      live: nullable(liveSchema),
      evaluation: nullable(obj({ queries: int, figures: figuresSchema, at: dateTime })),
    }),
  ),
});

export const lanesResponse = answer(
  'Each lane: its configuration, its share of calls, live figures (last 24 h) and latest evaluation',
  lanesView,
);

export const consistencyResponse = answer(
  'What each store holds, and whether they agree',
  obj({
    postgres: obj({ articles: int, chunks: int }),
    pendingArticles: int,
    mirror: nullable(obj({ store: str, records: nullable(int), expected: int, error: str }, ['error'])),
    configurations: arr(obj({ key: str, indexed: int, articles: int, rebuilding: bool })),
    consistent: bool,
  }),
);

export const evaluationsResponse = answer(
  'The figures of each lane (kept; shown with the lanes)',
  obj({ evaluations: arr(obj({ lane: str, role, queries: int, figures: figuresSchema, at: dateTime })) }),
);
