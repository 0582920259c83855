/**
 * The analysis schema of a conversation's profile, from ai-server's call view of the profile
 * (`GET /internal/profiles/:ref` through the service-kit client), kept for a minute so a backlog of one
 * profile's calls asks once. A profile without a schema, or one ai-server no longer has, gets the
 * default; ai-server unreachable throws, so the job is retried rather than analysed with the wrong schema.
 */

import { ServiceError } from '@switchboard/service-kit';
import type { AiServerClient } from '@switchboard/service-kit/clients/ai-server';
import { type AnalysisSchema, DEFAULT_ANALYSIS_SCHEMA } from './analysis-schema.ts';
import type { SchemaSource } from './worker.ts';

export const PROFILE_SCHEMA_TTL_MS = 60_000;
const MAX_ENTRIES = 1000;

export function profileSchemaSource(o: {
  client: Pick<AiServerClient, 'getBotProfile'>;
  ttlMs?: number;
  now?: () => number;
}): SchemaSource {
  const ttlMs = o.ttlMs ?? PROFILE_SCHEMA_TTL_MS;
  const now = o.now ?? Date.now;
  const cache = new Map<string, { schema: AnalysisSchema; at: number }>();
  return async (botProfileKey, brandId) => {
    // The brand-qualified reference: two brands may both have a profile called "support".
    const ref = brandId && !botProfileKey.includes(':') ? `${brandId}:${botProfileKey}` : botProfileKey;
    const hit = cache.get(ref);
    if (hit && now() - hit.at < ttlMs) return hit.schema;
    let schema: AnalysisSchema;
    try {
      const profile = await o.client.getBotProfile(ref);
      schema = profile.analysisSchema ?? DEFAULT_ANALYSIS_SCHEMA;
    } catch (err) {
      if (!(err instanceof ServiceError && err.code === 'PROFILE_NOT_FOUND')) throw err;
      schema = DEFAULT_ANALYSIS_SCHEMA;
    }
    if (cache.size >= MAX_ENTRIES) cache.clear();
    cache.set(ref, { schema, at: now() });
    return schema;
  };
}
