// The labelled retrieval evaluation on the example help centre (examples/acme-help-center: 47
// articles, 86 caller-style questions), run as part of the test command with the offline default
// embedder (trained word vectors) and the simulated reranker. It prints its table, and holds the
// offline default to floors: it must beat lexical-only on paraphrases, and its relevance floor must
// flag most unanswerable questions while leaving answerable ones alone.
import { readFileSync } from 'node:fs';
import { type KnowledgeSimulator, startKnowledgeSimulator } from '@switchboard/simulators/knowledge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpReranker } from '../reranker.ts';
import { createWordVectorEmbedder } from '../word-vector-embedder.ts';
import { readCorpus } from './corpus.ts';
import { parseLabelledSet, unknownAnswers } from './labelled-set.ts';
import { formatReport, missedFloors, parseFloor } from './report.ts';
import { type EvaluationReport, evaluateRetrieval, STANDARD_CONFIGURATIONS } from './run-evaluation.ts';

const EXAMPLE = new URL('../../../../../examples/acme-help-center/', import.meta.url);
const articles = readCorpus(EXAMPLE.pathname);
const queries = parseLabelledSet(readFileSync(new URL('labelled-queries.yaml', EXAMPLE), 'utf8'));

let sim: KnowledgeSimulator;
let report: EvaluationReport;
beforeAll(async () => {
  sim = await startKnowledgeSimulator();
  report = await evaluateRetrieval({
    articles,
    queries,
    configurations: STANDARD_CONFIGURATIONS,
    embedder: createWordVectorEmbedder(),
    reranker: createHttpReranker({ url: sim.rerankUrl }),
  });
  console.log(`\nRetrieval evaluation, examples/acme-help-center\n${formatReport(report)}\n`);
}, 180_000);
afterAll(async () => {
  await sim?.close();
});

const figures = (name: string) => report.results.find((r) => r.configuration.name === name)!.figures!;

describe('retrieval evaluation on the example help centre', () => {
  it('has a labelled set as the issue asks: 40+ articles, 60+ questions, every answer an article', () => {
    expect(articles.length).toBeGreaterThanOrEqual(40);
    expect(queries.filter((q) => q.answers.length).length).toBeGreaterThanOrEqual(60);
    expect(queries.some((q) => !q.answers.length)).toBe(true);
    expect(unknownAnswers(queries, new Set(articles.map((a) => a.externalId)))).toEqual([]);
  });

  it('runs every configuration', () => {
    expect(report.results.map((r) => [r.configuration.name, r.skipped])).toEqual(
      STANDARD_CONFIGURATIONS.map((c) => [c.name, undefined]),
    );
    expect(report.embedder).toBe('glove-100d-sif-v1@256');
  });

  it('the offline default (hybrid with word vectors) beats lexical-only, most of all on paraphrases', () => {
    const lexical = figures('lexical');
    const hybrid = figures('hybrid');
    expect(hybrid.byKind.paraphrase!.hit1).toBeGreaterThan(lexical.byKind.paraphrase!.hit1 + 0.05);
    expect(hybrid.mrr).toBeGreaterThan(lexical.mrr);
    expect(hybrid.recall12).toBeGreaterThanOrEqual(lexical.recall12);
    // Typos: the word vectors map a misspelt word onto the word one edit away.
    expect(figures('vector').byKind.misspelling!.hit1).toBeGreaterThan(lexical.byKind.misspelling!.hit1);
  });

  it('meets the floors a brand would put in CI', () => {
    const floors = ['hybrid.hit1=0.5', 'hybrid.recall12=0.85', 'hybrid.mrr=0.6', 'hybrid.auc=0.75'].map(
      parseFloor,
    );
    expect(missedFloors(report, floors)).toEqual([]);
    // And a floor that is missed is reported as such.
    expect(missedFloors(report, [parseFloor('hybrid.hit1=0.99')])).toEqual([
      expect.stringMatching(/^hybrid\.hit1 is 0\.\d{3}, under the floor 0\.99$/),
    ]);
  });

  it('says noAnswer for most unanswerable questions and few answerable ones', () => {
    const s = figures('hybrid').separation;
    expect(s.unanswerable).toBeGreaterThanOrEqual(10);
    expect(s.unanswerableFlagged).toBeGreaterThanOrEqual(0.5);
    expect(s.answerableFlagged).toBeLessThanOrEqual(0.15);
  });
});
