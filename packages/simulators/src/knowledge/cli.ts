// Runs the embeddings + rerank simulator on its own, for local demos:
//   pnpm exec tsx packages/simulators/src/knowledge/cli.ts [--port 8090]
// then point ai-server at it: OPENAI_BASE_URL=http://127.0.0.1:8090/v1 OPENAI_API_KEY=sk-sim
// RERANK_URL=http://127.0.0.1:8090/rerank
import { parseArgs } from 'node:util';
import { startKnowledgeSimulator } from './server.ts';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '8090' }, host: { type: 'string' } },
});
const sim = await startKnowledgeSimulator({ port: Number(values.port), host: values.host });
console.log(`knowledge simulator: OPENAI_BASE_URL=${sim.openaiBaseUrl} RERANK_URL=${sim.rerankUrl}`);
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => void sim.close().then(() => process.exit(0)));
