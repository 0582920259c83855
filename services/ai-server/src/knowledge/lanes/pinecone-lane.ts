import { Pinecone } from '@pinecone-database/pinecone';
import { DEFAULT_ARTICLE_LANGUAGE } from '../../languages/language-tags.ts';
import { type ChunkMirror, type MirrorChunk, MirrorError, mirrorable } from '../chunk-mirror.ts';
import { isZeroVector } from '../embedder.ts';

/** Records per upsert: Pinecone's recommended batch (requests must stay under 2 MB). */
const UPSERT_BATCH = 100;
/** Ids per delete request (Pinecone's limit is 1,000). */
const DELETE_BATCH = 1000;

export interface PineconeLaneOptions {
  apiKey: string;
  indexName: string;
  /** The index host, when known (skips describe_index). */
  indexHost?: string;
  /** Control-plane base (default Pinecone's); a simulator in tests. */
  controllerHostUrl?: string;
  /** Retries of a 5xx on writes (the SDK backs off between them). */
  writeRetries?: number;
}

export interface PineconeMatch {
  chunkId: string;
  articleId: string;
  title: string;
  url: string | null;
  text: string;
  similarity: number;
  language: string;
}

/**
 * The Pinecone store of the retrieval lanes: one namespace per brand (the brand id), every record
 * also tagged with its brand for a filter on every query. Record ids are `<articleId>#<version>#<n>`.
 */
export class PineconeLane implements ChunkMirror {
  readonly id: string;
  private readonly writer: Pinecone;
  private readonly reader: Pinecone;

  constructor(private readonly opts: PineconeLaneOptions) {
    this.id = `pinecone:${opts.indexName}`;
    const base = {
      apiKey: opts.apiKey,
      ...(opts.controllerHostUrl ? { controllerHostUrl: opts.controllerHostUrl } : {}),
    };
    this.writer = new Pinecone({ ...base, maxRetries: opts.writeRetries ?? 2 });
    // A query on the call path has a time budget and another lane to fall back to: no retries.
    this.reader = new Pinecone({ ...base, maxRetries: 0 });
  }

  private ns(client: Pinecone, brandId: string) {
    return client
      .index({ name: this.opts.indexName, ...(this.opts.indexHost ? { host: this.opts.indexHost } : {}) })
      .namespace(brandId);
  }

  async writeArticle(
    brandId: string,
    articleId: string,
    version: string,
    chunks: readonly MirrorChunk[],
  ): Promise<string[]> {
    const records = mirrorable(chunks)
      .filter((c) => !isZeroVector(c.embedding!))
      .map((c) => ({
        id: `${articleId}#${version}#${c.ordinal}`,
        values: c.embedding!,
        metadata: {
          brandId,
          articleId,
          chunkId: c.chunkId,
          version,
          title: c.title,
          text: c.text,
          language: c.language ?? DEFAULT_ARTICLE_LANGUAGE,
          // Pinecone refuses null metadata values: no url, no key.
          ...(c.url ? { url: c.url } : {}),
        },
      }));
    const written: string[] = [];
    try {
      for (let i = 0; i < records.length; i += UPSERT_BATCH) {
        const batch = records.slice(i, i + UPSERT_BATCH);
        await this.ns(this.writer, brandId).upsert({ records: batch });
        written.push(...batch.map((r) => r.id));
      }
      return written;
    } catch (err) {
      // Take back what this write put there, so the store holds the article's previous version only.
      await this.removeRecords(brandId, written).catch(() => undefined);
      throw new MirrorError(`pinecone upsert failed: ${(err as Error).message}`, { cause: err });
    }
  }

  async removeRecords(brandId: string, ids: readonly string[]): Promise<void> {
    try {
      for (let i = 0; i < ids.length; i += DELETE_BATCH)
        await this.ns(this.writer, brandId).deleteMany({ ids: ids.slice(i, i + DELETE_BATCH) });
    } catch (err) {
      throw new MirrorError(`pinecone delete failed: ${(err as Error).message}`, { cause: err });
    }
  }

  async removeArticle(brandId: string, articleId: string, keepVersion?: string): Promise<void> {
    const filter: Record<string, unknown> = { brandId: { $eq: brandId }, articleId: { $eq: articleId } };
    if (keepVersion) filter.version = { $ne: keepVersion };
    try {
      await this.ns(this.writer, brandId).deleteMany({ filter });
    } catch (err) {
      throw new MirrorError(`pinecone delete failed: ${(err as Error).message}`, { cause: err });
    }
  }

  async count(brandId: string): Promise<number> {
    const stats = await this.ns(this.reader, brandId).describeIndexStats();
    return stats.namespaces?.[brandId]?.recordCount ?? 0;
  }

  /**
   * The brand's nearest chunks (cosine), each chunk once; with a language, its articles' only (records
   * written before articles had a language are English ones).
   */
  async query(
    brandId: string,
    vector: readonly number[],
    topK: number,
    language?: string,
  ): Promise<PineconeMatch[]> {
    const filter: Record<string, unknown> = { brandId: { $eq: brandId } };
    if (language)
      filter.$or =
        language === DEFAULT_ARTICLE_LANGUAGE
          ? [{ language: { $eq: language } }, { language: { $exists: false } }]
          : [{ language: { $eq: language } }];
    const res = await this.ns(this.reader, brandId).query({
      vector: [...vector],
      topK,
      filter,
      includeMetadata: true,
    });
    const seen = new Set<string>();
    const out: PineconeMatch[] = [];
    for (const m of res.matches) {
      const md = m.metadata as Record<string, unknown> | undefined;
      // Belt and braces: a record of another brand is never returned, whatever the namespace held.
      if (!md || md.brandId !== brandId || typeof md.chunkId !== 'string' || seen.has(md.chunkId)) continue;
      seen.add(md.chunkId);
      out.push({
        chunkId: md.chunkId,
        articleId: String(md.articleId),
        title: String(md.title ?? ''),
        url: typeof md.url === 'string' ? md.url : null,
        text: String(md.text ?? ''),
        similarity: m.score ?? 0,
        language: typeof md.language === 'string' ? md.language : DEFAULT_ARTICLE_LANGUAGE,
      });
    }
    return out;
  }
}
