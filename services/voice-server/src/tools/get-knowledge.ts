import type { ToolHandler } from './types.ts';

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
    const { mode, results } = await ctx.aiServer.searchKnowledge(ctx.profile.key, {
      query: String(args.query),
      callSid: ctx.call.callSid,
      limit: 5,
    });
    for (const r of results) ctx.knowledgeChunkIds.add(r.chunkId);
    return {
      output: {
        ok: true,
        mode,
        results: results.map((r) => ({ chunk_id: r.chunkId, title: r.title, text: r.text, score: r.score })),
      },
    };
  },
};
