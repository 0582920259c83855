/** Response schemas of the knowledge routes (`KnowledgeSearchResponse` of the ai-server client). */
import { answer, arr, bool, dateTime, int, nullable, num, obj, oneOf, str } from '@switchboard/service-kit';

const repairSchema = obj({ field: oneOf('title', 'body', 'url'), nulRemoved: int, surrogatesReplaced: int });

/** One article's outcome (`IngestResult`), with what was repaired in it. */
const ingestResultSchema = obj(
  {
    externalId: str,
    articleId: str,
    status: oneOf('created', 'updated', 'unchanged', 'failed'),
    chunks: int,
    error: obj({ code: str, message: str }),
    repaired: arr(repairSchema),
  },
  ['articleId', 'chunks', 'error', 'repaired'],
);

export const ingestResponse = answer(
  'One result per article, in request order; a failed one names why, the others are stored',
  obj({ results: arr(ingestResultSchema) }),
);

const articleFields = {
  id: str,
  externalId: str,
  title: str,
  url: nullable(str),
  language: str,
  chunkCount: int,
  embeddingModel: nullable(str),
  updatedAt: dateTime,
};

export const articleListResponse = answer(
  'A page of articles; `next` is the `after` of the next page (null at the end)',
  obj({ articles: arr(obj(articleFields)), next: nullable(str) }),
);
export const articleResponse = answer('The article with its text', obj({ ...articleFields, body: str }));

const hitSchema = obj({
  chunkId: str,
  articleId: str,
  title: str,
  url: nullable(str),
  text: str,
  score: num,
  lexicalRank: nullable(int),
  vectorRank: nullable(int),
  similarity: nullable(num),
  language: str,
});

export const searchResponse = answer(
  'The best chunks; `noAnswer` when nothing relevant was found',
  obj(
    {
      mode: oneOf('hybrid', 'lexical', 'vector'),
      reranked: bool,
      results: arr(hitSchema),
      noAnswer: bool,
      topSimilarity: nullable(num),
      relevanceFloor: nullable(num),
      warnings: arr(str),
      lane: obj({ name: str, role: oneOf('primary', 'secondary'), store: oneOf('postgres', 'pinecone') }),
      fallback: nullable(obj({ from: str, reason: oneOf('error', 'timeout') })),
      language: str,
      languageFellBack: bool,
    },
    ['lane', 'fallback', 'language', 'languageFellBack'],
  ),
);
