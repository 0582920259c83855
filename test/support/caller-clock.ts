// A simulated caller's frame clock that the test moves: at real-time pace while it runs, one 20 ms
// frame at a time while it is held. Holding it freezes the caller's side of the line (what it has
// heard, what it has said), so a test can wait for the events that prove a state instead of racing
// the audio still playing.
import { createManualTicker, FRAME_MS, type ManualFrameTicker } from '@switchboard/simulators/twilio';

export class CallerClock {
  readonly ticker: ManualFrameTicker = createManualTicker();
  private running = false;
  private closed = false;

  /**
   * Advances with wall time (catching up after a stall) until `stopBefore` is true before a frame, or
   * until {@link hold}. Resolves when it stops.
   */
  async run(stopBefore: () => boolean = () => false): Promise<void> {
    this.running = true;
    const originWallMs = performance.now() - this.ticker.nowMs();
    while (this.running && !this.closed) {
      const dueMs = performance.now() - originWallMs;
      while (this.running && this.ticker.nowMs() + FRAME_MS <= dueMs) {
        if (stopBefore()) {
          this.running = false;
          return;
        }
        this.ticker.advance(FRAME_MS);
      }
      await new Promise((resolve) => setTimeout(resolve, FRAME_MS / 2));
    }
  }

  /** Stops a running clock after its current frame. */
  hold(): void {
    this.running = false;
  }

  /** One frame, while held. */
  step(): void {
    this.ticker.advance(FRAME_MS);
  }

  close(): void {
    this.closed = true;
    this.running = false;
    this.ticker.close();
  }
}
