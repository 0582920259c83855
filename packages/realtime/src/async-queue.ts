/**
 * An ordered stream of events with one consumer at a time. It can be iterated (`for await`), or
 * drained with a handler that is called synchronously as each value arrives: the hot paths of a call
 * use `drain`, which costs no promise or microtask per value.
 */
export interface EventStream<T> extends AsyncIterable<T> {
  /**
   * Hands every value, buffered ones first, to `handle` in order; values pushed later are handed over
   * in the same tick they are pushed. A value pushed while `handle` runs waits until it returns, so
   * the order always holds and `handle` is never re-entered. Resolves when the stream ends or `handle`
   * returns `false`; rejects with whatever `handle` throws. Values left after an early stop stay
   * buffered for the next consumer.
   */
  drain(handle: (value: T) => boolean | undefined): Promise<void>;
}

/**
 * A push-fed event stream: producers `push` as events arrive, one consumer iterates or drains it.
 * No polling and no batching: a waiting consumer is resumed on the push that feeds it.
 */
export class AsyncQueue<T> implements EventStream<T> {
  private readonly buffer: T[] = [];
  private head = 0;
  private waiter: ((r: IteratorResult<T>) => void) | undefined;
  private ended = false;
  private handler: ((value: T) => boolean | undefined) | undefined;
  private drainSettle: { resolve: () => void; reject: (err: unknown) => void } | undefined;
  private dispatching = false;
  /**
   * Set when a value is buffered while the handler runs, so {@link pumpOne} looks at the buffer only then
   * (it may stay set once the buffer is empty again: that costs one look, never a value).
   */
  private backlog = false;

  /** Adds a value; ignored once the queue has ended. */
  push(value: T): void {
    if (this.ended) return;
    if (this.handler) {
      // A push from inside the handler is handed over by the pump already running. Otherwise nothing
      // is buffered (a drain hands the buffer over before it returns, and stops only by dropping its
      // handler), so the value goes to the handler at once.
      if (this.dispatching) {
        this.buffer.push(value);
        this.backlog = true;
      } else this.pumpOne(value);
      return;
    }
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      w({ value, done: false });
    } else {
      this.buffer.push(value);
    }
  }

  /** Ends the stream once buffered values are consumed. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    const w = this.waiter;
    this.waiter = undefined;
    w?.({ value: undefined, done: true });
    if (this.handler && !this.dispatching && this.head >= this.buffer.length) this.settleDrain();
  }

  get isEnded(): boolean {
    return this.ended;
  }

  get size(): number {
    return this.buffer.length - this.head;
  }

  drain(handle: (value: T) => boolean | undefined): Promise<void> {
    if (this.handler || this.waiter) return Promise.reject(new Error('the stream already has a consumer'));
    return new Promise<void>((resolve, reject) => {
      this.handler = handle;
      this.drainSettle = { resolve, reject };
      this.pump();
    });
  }

  /** Hands the buffer to the handler, in order, until it stops or runs dry. */
  private pump(): void {
    this.dispatching = true;
    try {
      while (this.handler && this.head < this.buffer.length) {
        if (!this.deliver(this.shift())) return;
      }
    } finally {
      this.dispatching = false;
    }
    if (this.handler && this.ended) this.settleDrain();
  }

  /** {@link pump} for a value that was never buffered, then for whatever the handler pushed meanwhile. */
  private pumpOne(value: T): void {
    this.dispatching = true;
    let go: boolean;
    try {
      go = this.deliver(value);
    } finally {
      this.dispatching = false;
    }
    if (!go) return;
    // Nothing is buffered unless the handler pushed while it ran: the buffer itself (another object
    // to reach, on every event of every call) is looked at only then.
    if (this.backlog) {
      this.backlog = false;
      if (this.head < this.buffer.length) {
        this.pump();
        return;
      }
    }
    if (this.handler && this.ended) this.settleDrain();
  }

  /** One value to the handler; false once draining has stopped. */
  private deliver(value: T): boolean {
    let go: boolean;
    try {
      go = this.handler!(value) !== false;
    } catch (err) {
      this.settleDrain(err);
      return false;
    }
    if (!go) this.settleDrain();
    return go;
  }

  private settleDrain(err?: unknown): void {
    const settle = this.drainSettle;
    this.handler = undefined;
    this.drainSettle = undefined;
    if (err !== undefined) settle?.reject(err);
    else settle?.resolve();
  }

  private shift(): T {
    const value = this.buffer[this.head] as T;
    // Release the slot at once: a long call must not keep every handled event (and its audio) alive.
    (this.buffer as Array<T | undefined>)[this.head++] = undefined;
    if (this.head === this.buffer.length) {
      this.buffer.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.buffer.length) {
      this.buffer.splice(0, this.head);
      this.head = 0;
    }
    return value;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.handler || this.waiter) return Promise.reject(new Error('the stream already has a consumer'));
    if (this.head < this.buffer.length) return Promise.resolve({ value: this.shift(), done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => this.next(),
      // A consumer that stops early leaves the queue as it is: another may go on reading it.
      return: async () => ({ value: undefined, done: true }),
    };
  }
}
