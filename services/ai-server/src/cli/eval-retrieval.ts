// `pnpm --filter @switchboard/ai-server eval:retrieval --corpus <export> --queries <labelled.yaml>`:
// measures retrieval on a labelled set, configurations side by side (lexical, vector, hybrid, hybrid +
// rerank, hybrid over 128/32-token chunks): hit@1, recall@5, recall@12, MRR, nDCG@12, how well the
// best similarity separates answerable from unanswerable questions, p50/p95 latency. A table on
// stdout; JSON with --json; exit 1 when a --floor is missed (for a brand's CI).
//
//   --corpus <folder|file>    the help-center export (as the ingest command reads it)
//   --queries <file>          YAML: queries: [{query, answers: [externalId…], kind?}]
//   --configurations a,b      names from the list above (default: all)
//   --embeddings <provider>   local (default: the offline word vectors), openai (OPENAI_API_KEY,
//                             OPENAI_BASE_URL, EMBEDDING_MODEL from the environment), none
//   --rerank-url <url>        a text-embeddings-inference style /rerank (RERANK_API_KEY if it needs one)
//   --floor <c>.<metric>=<x>  e.g. hybrid.recall12=0.9 (repeatable); metrics: hit1 recall5 recall12
//                             mrr ndcg12 auc unanswerableFlagged
//   --json <file>             also write the figures as JSON
//
// `--lanes --queries <file>` instead runs the set through each of the brand's retrieval lanes on the
// running server (AI_SERVER_URL / --url, AI_SERVER_API_KEY / --api-key); floors name lanes.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { env, loadConfig } from '@switchboard/service-kit';
import { configuredEmbedder } from '../knowledge/configured-embedder.ts';
import { readCorpus } from '../knowledge/evaluation/corpus.ts';
import { parseLabelledSet, unknownAnswers } from '../knowledge/evaluation/labelled-set.ts';
import { formatReport, missedFloors, parseFloor } from '../knowledge/evaluation/report.ts';
import {
  type EvaluationReport,
  evaluateRetrieval,
  STANDARD_CONFIGURATIONS,
} from '../knowledge/evaluation/run-evaluation.ts';
import { createHttpReranker } from '../knowledge/reranker.ts';
import { evaluateLanesRemotely } from './eval-lanes.ts';

const USAGE =
  'usage: eval:retrieval --corpus <folder|file> --queries <file.yaml> [--configurations a,b] ' +
  '[--embeddings local|openai|none] [--rerank-url <url>] [--floor <configuration>.<metric>=<min>]... [--json <file>]\n' +
  '       eval:retrieval --lanes --queries <file.yaml> [--url <ai-server>] [--api-key <sbk_…>] [--floor <lane>.<metric>=<min>]...';

/** JSON without the per-question outcomes' bulk: figures, plus each question's top articles. */
export function reportJson(report: EvaluationReport): unknown {
  return {
    ...report,
    results: report.results.map(({ outcomes, ...r }) => ({
      ...r,
      questions: outcomes?.map((o) => ({
        query: o.query.query,
        kind: o.query.kind,
        answers: o.query.answers,
        top: o.ranked.slice(0, 3),
        topSimilarity: o.topSimilarity,
        noAnswer: o.noAnswer,
      })),
    })),
  };
}

export async function main(argv: string[], cwd: string): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      corpus: { type: 'string' },
      queries: { type: 'string' },
      configurations: { type: 'string' },
      embeddings: { type: 'string', default: 'local' },
      'rerank-url': { type: 'string' },
      floor: { type: 'string', multiple: true },
      json: { type: 'string' },
      lanes: { type: 'boolean' },
      url: { type: 'string' },
      'api-key': { type: 'string' },
    },
  });
  if (values.lanes && values.queries) {
    const server = loadConfig({
      AI_SERVER_URL: env.url({ default: 'http://localhost:8081' }),
      AI_SERVER_API_KEY: env.optionalString({ secret: true }),
    });
    const apiKey = values['api-key'] ?? server.AI_SERVER_API_KEY;
    if (!apiKey) {
      console.error('--lanes needs the brand API key: --api-key or AI_SERVER_API_KEY');
      return 2;
    }
    return evaluateLanesRemotely({
      url: values.url ?? server.AI_SERVER_URL,
      apiKey,
      queries: parseLabelledSet(readFileSync(resolve(cwd, values.queries), 'utf8')),
      floors: (values.floor ?? []).map(parseFloor),
      print: (line) => console.log(line),
    });
  }
  if (!values.corpus || !values.queries) {
    console.error(USAGE);
    return 2;
  }
  const cfg = loadConfig({
    OPENAI_API_KEY: env.optionalString({ secret: true }),
    OPENAI_BASE_URL: env.url({ default: 'https://api.openai.com/v1' }),
    EMBEDDING_MODEL: env.string({ default: 'text-embedding-3-small' }),
    RERANK_API_KEY: env.optionalString({ secret: true }),
  });
  const provider = values.embeddings;
  if (provider !== 'local' && provider !== 'openai' && provider !== 'none') {
    console.error(`--embeddings must be local, openai or none\n${USAGE}`);
    return 2;
  }
  const floors = (values.floor ?? []).map(parseFloor);
  const wanted = values.configurations?.split(',').map((s) => s.trim());
  const configurations = wanted
    ? STANDARD_CONFIGURATIONS.filter((c) => wanted.includes(c.name))
    : STANDARD_CONFIGURATIONS;
  if (!configurations.length) {
    console.error(`--configurations: none of ${STANDARD_CONFIGURATIONS.map((c) => c.name).join(', ')}`);
    return 2;
  }
  const articles = readCorpus(resolve(cwd, values.corpus));
  const queries = parseLabelledSet(readFileSync(resolve(cwd, values.queries), 'utf8'));
  const unknown = unknownAnswers(queries, new Set(articles.map((a) => a.externalId)));
  if (unknown.length) {
    console.error(`answers naming no article of the corpus:\n  ${unknown.join('\n  ')}`);
    return 2;
  }
  const report = await evaluateRetrieval({
    articles,
    queries,
    configurations,
    embedder: configuredEmbedder({ ...cfg, EMBEDDINGS: provider }),
    reranker: values['rerank-url']
      ? createHttpReranker({ url: values['rerank-url'], apiKey: cfg.RERANK_API_KEY })
      : undefined,
  });
  console.log(formatReport(report));
  if (values.json)
    writeFileSync(resolve(cwd, values.json), `${JSON.stringify(reportJson(report), null, 2)}\n`);
  const missed = missedFloors(report, floors);
  for (const m of missed) console.error(`floor missed: ${m}`);
  return missed.length ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // pnpm runs scripts in the package folder; INIT_CWD is where the user typed the command.
  main(process.argv.slice(2), process.env.INIT_CWD ?? process.cwd()).then(
    (code) => process.exit(code),
    (err: Error) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}
