import type { SqlRunner } from '@switchboard/db';
import { DEFAULT_LANES, type LaneSetting } from './lane-spec.ts';

/** How long a brand's lane setting is kept in memory before it is read again (other replicas' changes). */
const CACHE_MS = 5_000;

/** Brands' lane settings, read through a short cache (a search reads it on every call). */
export class LaneSettings {
  private readonly cache = new Map<string, { setting: LaneSetting; at: number }>();

  constructor(
    private readonly sql: SqlRunner,
    private readonly now: () => number = Date.now,
  ) {}

  async get(brandId: string): Promise<LaneSetting> {
    const hit = this.cache.get(brandId);
    if (hit && this.now() - hit.at < CACHE_MS) return hit.setting;
    const rows = await this.sql.query<{ lanes: LaneSetting | string }>(
      'SELECT lanes FROM "KnowledgeLaneSetting" WHERE "brandId" = $1',
      [brandId],
    );
    const raw = rows[0]?.lanes;
    const setting = raw ? ((typeof raw === 'string' ? JSON.parse(raw) : raw) as LaneSetting) : DEFAULT_LANES;
    this.cache.set(brandId, { setting, at: this.now() });
    return setting;
  }

  async put(brandId: string, setting: LaneSetting): Promise<void> {
    await this.sql.query(
      `INSERT INTO "KnowledgeLaneSetting" ("brandId", lanes, "updatedAt") VALUES ($1, $2::jsonb, now())
       ON CONFLICT ("brandId") DO UPDATE SET lanes = EXCLUDED.lanes, "updatedAt" = now()`,
      [brandId, JSON.stringify(setting)],
    );
    this.cache.set(brandId, { setting, at: this.now() });
  }
}
