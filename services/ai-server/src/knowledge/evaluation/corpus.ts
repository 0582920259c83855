import { readFileSync } from 'node:fs';
import { listExportFiles } from '../../cli/ingest.ts';
import { parseExportFile } from '../article-text.ts';
import type { ArticleInput } from '../knowledge-store.ts';

/** The articles of a help-center export folder or file, as the ingest CLI reads them (first of an id wins). */
export function readCorpus(path: string): ArticleInput[] {
  const byId = new Map<string, ArticleInput>();
  for (const { file, rel } of listExportFiles(path))
    for (const a of parseExportFile(rel, readFileSync(file, 'utf8')))
      if (!byId.has(a.externalId)) byId.set(a.externalId, a);
  return [...byId.values()];
}
