// The article preparation worker: converts and chunks articles off the main thread, one at a time.
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { type ArticleSource, prepareArticle } from './article-prep.ts';

// On Linux this lowers this thread alone: under CPU pressure the event loop wins over chunking.
try {
  setPriority(0, 10);
} catch {
  // not permitted or not supported: run at normal priority
}

parentPort?.on('message', (msg: { id: number; source: ArticleSource }) => {
  try {
    parentPort?.postMessage({ id: msg.id, ok: true, result: prepareArticle(msg.source) });
  } catch (err) {
    parentPort?.postMessage({ id: msg.id, ok: false, message: (err as Error).message });
  }
});
