import { Worker } from 'node:worker_threads';
import type { ArticleSource, ChunkingOptions, PreparedText } from './article-prep.ts';

/** An article could not be prepared: it took too long (`TOO_COMPLEX`) or the worker failed. */
export class PreparationError extends Error {
  override name = 'PreparationError';
  constructor(
    readonly code: 'TOO_COMPLEX' | 'PREPARATION_FAILED',
    message: string,
  ) {
    super(message);
  }
}

interface Task {
  source: ArticleSource;
  resolve: (p: PreparedText) => void;
  reject: (e: Error) => void;
}

const WORKER_URL = new URL('./article-prep-worker.mjs', import.meta.url);

/**
 * Prepares articles (text conversion, hashing, tokenizing, chunking) on a worker thread, so the
 * event loop keeps answering health checks and calls while a 2,000,000-character article is chunked.
 * One article at a time; one that takes longer than `timeoutMs` is abandoned (the worker is
 * replaced) and reported as TOO_COMPLEX.
 */
export class ArticlePreparer {
  private worker: Worker | undefined;
  private readonly queue: Task[] = [];
  private running: { task: Task; timer: NodeJS.Timeout; id: number } | undefined;
  private nextId = 1;
  private closed = false;

  constructor(private readonly opts: { timeoutMs?: number; chunking?: ChunkingOptions } = {}) {}

  prepare(source: ArticleSource): Promise<PreparedText> {
    if (this.closed) return Promise.reject(new PreparationError('PREPARATION_FAILED', 'preparer is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ source, resolve, reject });
      this.pump();
    });
  }

  /** Stops the worker; queued articles fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.queue.splice(0))
      t.reject(new PreparationError('PREPARATION_FAILED', 'shutting down'));
    if (this.running) this.finish(new PreparationError('PREPARATION_FAILED', 'shutting down'));
    const w = this.worker;
    this.worker = undefined;
    await w?.terminate();
  }

  private pump(): void {
    if (this.running || !this.queue.length) return;
    const task = this.queue.shift()!;
    const worker = this.ensureWorker();
    worker.ref();
    const id = this.nextId++;
    const timeoutMs = this.opts.timeoutMs ?? 120_000;
    const timer = setTimeout(() => {
      this.finish(new PreparationError('TOO_COMPLEX', `took longer than ${timeoutMs} ms to prepare`));
      this.replaceWorker();
    }, timeoutMs);
    this.running = { task, timer, id };
    const { chunking } = this.opts;
    worker.postMessage({ id, source: chunking ? { ...task.source, chunking } : task.source });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(WORKER_URL);
    w.on('message', (msg: { id: number; ok: boolean; result?: PreparedText; message?: string }) => {
      if (!this.running || msg.id !== this.running.id) return;
      if (msg.ok) this.finish(undefined, msg.result);
      else this.finish(new PreparationError('PREPARATION_FAILED', msg.message ?? 'failed'));
    });
    w.on('error', (err) => {
      this.finish(new PreparationError('PREPARATION_FAILED', err.message));
      this.replaceWorker();
    });
    w.unref();
    this.worker = w;
    return w;
  }

  private replaceWorker(): void {
    const old = this.worker;
    this.worker = undefined;
    void old?.terminate();
    this.pump();
  }

  private finish(err: Error | undefined, result?: PreparedText): void {
    const running = this.running;
    if (!running) return;
    this.running = undefined;
    clearTimeout(running.timer);
    if (err) running.task.reject(err);
    else running.task.resolve(result!);
    if (!this.queue.length) this.worker?.unref();
    this.pump();
  }
}
