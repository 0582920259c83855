import type { NotificationSource } from './sql-feed.ts';

/** The part of a PGlite instance that listens (its NOTIFY reaches the same process only). */
export interface PgliteListener {
  listen(channel: string, callback: (payload: string) => void): Promise<() => Promise<void>>;
}

/** NOTIFY on embedded PGlite: one process per data folder, so every listener is in this process. */
export class PgliteNotificationSource implements NotificationSource {
  private unlisten: (() => Promise<void>) | undefined;

  constructor(private readonly db: PgliteListener) {}

  async listen(channel: string, onPayload: (payload: string) => void): Promise<void> {
    this.unlisten = await this.db.listen(channel, onPayload);
  }

  async close(): Promise<void> {
    const off = this.unlisten;
    this.unlisten = undefined;
    await off?.().catch(() => undefined);
  }
}
