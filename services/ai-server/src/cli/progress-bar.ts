/** A one-line progress bar on a TTY, or a plain line per update elsewhere (CI logs, pipes). */
export class ProgressBar {
  private lastLineAt = 0;

  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
    private readonly total: number,
    private readonly label: string,
  ) {}

  update(done: number, detail: string): void {
    const pct = this.total ? Math.floor((done / this.total) * 100) : 100;
    if (this.out.isTTY) {
      const width = Math.max(10, Math.min(40, (this.out.columns ?? 80) - 60));
      const filled = Math.round((pct / 100) * width);
      this.out.write(
        `\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${pct}% ${done}/${this.total} ${this.label} ${detail}\x1b[K`,
      );
      return;
    }
    // Not a terminal: one line per 10% (and the last), so logs stay readable.
    const bucket = Math.floor(pct / 10);
    if (bucket > this.lastLineAt || done === this.total) {
      this.lastLineAt = bucket;
      this.out.write(`${pct}% ${done}/${this.total} ${this.label} ${detail}\n`);
    }
  }

  finish(): void {
    if (this.out.isTTY) this.out.write('\n');
  }
}
