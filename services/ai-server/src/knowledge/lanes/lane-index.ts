/**
 * The chunk rows of lanes with a configuration of their own (another embedding model or chunking):
 * fed by every ingest after the ingest's own rows, and rebuilt in the background when a lane's
 * configuration changes, while the other lane keeps serving. Each article a configuration holds in
 * full is recorded with the content hash it was built from, so the consistency check can tell what
 * is missing and the next ingest or rebuild redoes exactly that.
 */
import type { SqlRunner } from '@switchboard/db';
import type { Logger } from '@switchboard/service-kit';
import { textSearchConfig } from '../../languages/language-tags.ts';
import type { ArticlePreparer } from '../article-preparer.ts';
import { chunkIdsOf, deleteChunks, writeChunks, yieldToLoop } from '../chunk-writer.ts';
import type { LaneFollower, StoredArticle } from '../knowledge-store.ts';
import type { Embedders, LaneIndexConfig } from './lane-config.ts';
import { laneIndexConfig } from './lane-config.ts';
import type { LaneSettings } from './lane-settings.ts';
import type { LaneSetting } from './lane-spec.ts';

export interface ConfigProgress {
  key: string;
  /** Articles the configuration holds for their current text, of all the brand's articles. */
  indexed: number;
  articles: number;
}

/** The configurations of a setting's lanes other than the ingest's own, each once. */
export function configsOf(setting: LaneSetting, embedders: Embedders): LaneIndexConfig[] {
  const out = new Map<string, LaneIndexConfig>();
  for (const spec of [setting.primary, setting.secondary]) {
    if (!spec) continue;
    try {
      const c = laneIndexConfig(spec, embedders);
      if (c) out.set(c.key, c);
    } catch {
      // A model this server no longer has: nothing can be built for it (the lane falls back).
    }
  }
  return [...out.values()];
}

export class LaneIndexer implements LaneFollower {
  /** Per brand, the rebuild in progress (rebuilds of one brand run one after another). */
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    private readonly sql: SqlRunner,
    private readonly embedders: Embedders,
    private readonly preparer: ArticlePreparer,
    private readonly settings: LaneSettings,
    private readonly log: Pick<Logger, 'warn' | 'info'>,
  ) {}

  async configs(brandId: string): Promise<LaneIndexConfig[]> {
    return configsOf(await this.settings.get(brandId), this.embedders);
  }

  /**
   * After an ingest wrote its own rows: brings every configuration in step for these articles.
   * Returns the ids of articles one of them could not be written for (they stay pending there).
   */
  async ingested(brandId: string, articles: readonly StoredArticle[]): Promise<Set<string>> {
    const failed = new Set<string>();
    for (const config of await this.configs(brandId)) {
      const held = await this.heldHashes(brandId, config.key);
      for (const a of articles) {
        if (held.get(a.articleId) === a.contentHash) continue;
        try {
          await this.writeArticle(brandId, config, a);
        } catch (err) {
          failed.add(a.articleId);
          this.log.warn(
            { config: config.key, err: { message: (err as Error).message } },
            'knowledge lane configuration not written; the article stays pending there',
          );
        }
      }
    }
    return failed;
  }

  /** True while a rebuild of the brand's configurations runs. */
  isRebuilding(brandId: string): boolean {
    return this.running.has(brandId);
  }

  /** Resolves when the brand's rebuild (if any) has finished. */
  async idle(brandId: string): Promise<void> {
    while (this.running.has(brandId)) await this.running.get(brandId);
  }

  /**
   * Starts rebuilding the brand's configurations in the background: every article a configuration
   * doesn't hold for its current text is (re)built, and the rows of configurations no lane uses any
   * more are dropped. Progress shows in {@link progress}.
   */
  rebuild(brandId: string): void {
    const previous = this.running.get(brandId) ?? Promise.resolve();
    const run = previous
      .then(() => this.rebuildNow(brandId))
      .catch((err: Error) =>
        this.log.warn(
          { err: { message: err.message } },
          'knowledge lane rebuild stopped; it resumes with the next ingest',
        ),
      )
      .finally(() => {
        if (this.running.get(brandId) === run) this.running.delete(brandId);
      });
    this.running.set(brandId, run);
  }

  private async rebuildNow(brandId: string): Promise<void> {
    const configs = await this.configs(brandId);
    let failed = 0;
    await this.dropUnused(
      brandId,
      configs.map((c) => c.key),
    );
    for (const config of configs) {
      const held = await this.heldHashes(brandId, config.key);
      const articles = await this.sql.query<{ id: string; contentHash: string }>(
        `SELECT id, "contentHash" FROM "KnowledgeArticle" WHERE "brandId" = $1 AND "contentHash" <> '' ORDER BY id`,
        [brandId],
      );
      for (const { id, contentHash } of articles) {
        if (held.get(id) === contentHash) continue;
        const a = await this.stored(brandId, id);
        if (!a || a.contentHash !== contentHash) continue;
        try {
          await this.writeArticle(brandId, config, a);
        } catch (err) {
          // One article (an embedding error, an ingest writing it at the same time) doesn't stop the
          // rest: it stays pending in the consistency check, and the next ingest or rebuild redoes it.
          failed++;
          this.log.warn(
            { config: config.key, err: { message: (err as Error).message } },
            'knowledge lane article not rebuilt; it stays pending',
          );
        }
      }
    }
    this.log.info({ configs: configs.length, failed }, 'knowledge lane rebuild finished');
  }

  /** Per configuration of the brand's lanes: how many of its articles it holds in full. */
  async progress(brandId: string): Promise<ConfigProgress[]> {
    const configs = await this.configs(brandId);
    if (!configs.length) return [];
    const rows = await this.sql.query<{ config: string; indexed: number; articles: number }>(
      `SELECT k.config,
         (SELECT count(*)::int FROM "KnowledgeLaneIndex" i JOIN "KnowledgeArticle" a ON a.id = i."articleId"
           WHERE i."brandId" = $1 AND i.config = k.config AND i."contentHash" = a."contentHash") AS indexed,
         (SELECT count(*)::int FROM "KnowledgeArticle" WHERE "brandId" = $1) AS articles
       FROM unnest($2::text[]) AS k(config)`,
      [brandId, configs.map((c) => c.key)],
    );
    return rows.map((r) => ({ key: r.config, indexed: Number(r.indexed), articles: Number(r.articles) }));
  }

  /** One article's rows for one configuration: the record goes first, so a half-written article shows. */
  private async writeArticle(brandId: string, config: LaneIndexConfig, a: StoredArticle): Promise<void> {
    await this.sql.query('DELETE FROM "KnowledgeLaneIndex" WHERE "articleId" = $1 AND config = $2', [
      a.articleId,
      config.key,
    ]);
    const { chunks } = await this.preparer.prepare({
      title: a.title,
      body: a.text,
      format: 'text',
      url: a.url,
      chunking: config.chunking,
    });
    const vectors = config.embedder
      ? await config.embedder.embed(chunks.map((c) => `${a.title}\n\n${c.text}`))
      : undefined;
    await deleteChunks(this.sql, brandId, await chunkIdsOf(this.sql, a.articleId, config.key));
    await writeChunks(
      this.sql,
      brandId,
      chunks.map((c, ordinal) => ({
        articleId: a.articleId,
        externalId: a.externalId,
        title: a.title,
        ordinal,
        ...c,
        embedding: vectors?.[ordinal],
        config: config.key,
        tsConfig: textSearchConfig(a.language),
      })),
    );
    await this.sql.query(
      `INSERT INTO "KnowledgeLaneIndex" ("articleId", config, "brandId", "contentHash") VALUES ($1, $2, $3, $4)
       ON CONFLICT ("articleId", config) DO UPDATE SET "contentHash" = EXCLUDED."contentHash", "indexedAt" = now()`,
      [a.articleId, config.key, brandId, a.contentHash],
    );
  }

  private async heldHashes(brandId: string, key: string): Promise<Map<string, string>> {
    const rows = await this.sql.query<{ articleId: string; contentHash: string }>(
      'SELECT "articleId", "contentHash" FROM "KnowledgeLaneIndex" WHERE "brandId" = $1 AND config = $2',
      [brandId, key],
    );
    return new Map(rows.map((r) => [r.articleId, r.contentHash]));
  }

  private async stored(brandId: string, articleId: string): Promise<StoredArticle | undefined> {
    const [row] = await this.sql.query<Omit<StoredArticle, 'text' | 'articleId'> & { id: string }>(
      `SELECT id, "externalId", title, url, "contentHash", language FROM "KnowledgeArticle" WHERE id = $1 AND "brandId" = $2`,
      [articleId, brandId],
    );
    if (!row) return undefined;
    const parts = await this.sql.query<{ text: string }>(
      'SELECT text FROM "KnowledgeArticleText" WHERE "articleId" = $1 ORDER BY part',
      [articleId],
    );
    return { ...row, articleId: row.id, text: parts.map((p) => p.text).join('') };
  }

  /** Drops the rows of configurations none of the brand's lanes uses any more. */
  private async dropUnused(brandId: string, keep: readonly string[]): Promise<void> {
    for (;;) {
      const ids = (
        await this.sql.query<{ id: string }>(
          `SELECT id FROM "KnowledgeChunk" WHERE "brandId" = $1 AND config <> '' AND NOT (config = ANY($2::text[]))
           LIMIT 200`,
          [brandId, keep],
        )
      ).map((r) => r.id);
      if (!ids.length) break;
      await deleteChunks(this.sql, brandId, ids);
      await yieldToLoop();
    }
    await this.sql.query(
      `DELETE FROM "KnowledgeLaneIndex" WHERE "brandId" = $1 AND NOT (config = ANY($2::text[]))`,
      [brandId, keep],
    );
  }
}
