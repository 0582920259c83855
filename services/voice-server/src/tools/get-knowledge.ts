import { englishName } from '../language/languages.ts';
import type { KnowledgeHit } from '../ports/ai-server.ts';
import type { ToolHandler } from './types.ts';

/** Chunks asked of ai-server per search: the design's top 12 after rerank. */
export const KNOWLEDGE_CHUNKS = 12;
/** What the model is given of them at most, in tokens (about four characters each). */
export const KNOWLEDGE_TOKEN_BUDGET = 2_000;
const CHARS_PER_TOKEN = 4;

/** The hits in rank order, as many as fit the budget; the last one that fits in part is cut. */
export function withinBudget(hits: KnowledgeHit[], budgetTokens = KNOWLEDGE_TOKEN_BUDGET): KnowledgeHit[] {
  let chars = budgetTokens * CHARS_PER_TOKEN;
  const out: KnowledgeHit[] = [];
  for (const hit of hits) {
    const cost = hit.title.length + hit.text.length;
    if (cost <= chars) {
      out.push(hit);
      chars -= cost;
      continue;
    }
    const room = chars - hit.title.length;
    if (room >= 200) out.push({ ...hit, text: `${hit.text.slice(0, room - 1)}…` });
    break;
  }
  return out;
}

/** Looks things up in the brand's knowledge base through ai-server's hybrid search. */
export const getKnowledge: ToolHandler = {
  schema: {
    type: 'function',
    name: 'get_knowledge',
    description:
      "Search the company's help-center knowledge base. Use it before answering any question about " +
      'products, orders, policies or procedures; answer only from what it returns.',
    parameters: {
      type: 'object',
      properties: {
        query: { type: 'string', minLength: 2, description: 'What to look up, in a few words.' },
      },
      required: ['query'],
      additionalProperties: false,
    },
  },
  timeoutMs: 8_000,
  async run(args, ctx) {
    // The call SID is the split key: every search of this call goes to the same retrieval lane.
    // In the call's language: ai-server searches its articles, falling back to the first language.
    const language = ctx.knowledgeLanguage();
    const answer = await ctx.aiServer.searchKnowledge(ctx.profile.key, {
      query: String(args.query),
      callSid: ctx.call.callSid,
      limit: KNOWLEDGE_CHUNKS,
      ...(language ? { language } : {}),
    });
    const { mode, results, noAnswer, lane } = answer;
    // Nothing in the call's language: the articles are in the first one; the model answers in the call's.
    const fellBack =
      answer.languageFellBack && answer.language
        ? {
            language_fell_back: true,
            note: `Nothing was found in the caller's language; these articles are in ${englishName(answer.language)}. Answer in the language of the conversation.`,
          }
        : {};
    // The lane goes into the tool result, which the conversation records with the transcript.
    const laneName = lane?.name;
    if (noAnswer)
      return {
        output: {
          ok: true,
          mode,
          ...(laneName ? { lane: laneName } : {}),
          no_answer: true,
          note: 'The knowledge base has nothing on this. Do not guess: say so, and offer a transfer or a callback.',
          results: [],
        },
      };
    const given = withinBudget(results);
    for (const r of given) ctx.knowledgeChunkIds.add(r.chunkId);
    return {
      output: {
        ok: true,
        mode,
        ...(laneName ? { lane: laneName } : {}),
        ...fellBack,
        results: given.map((r) => ({ chunk_id: r.chunkId, title: r.title, text: r.text, score: r.score })),
      },
    };
  },
};
