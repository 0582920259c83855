import type { Logger } from '@switchboard/service-kit';
import pg from 'pg';
import type { NotificationSource } from './sql-feed.ts';

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5_000;

interface Listening {
  channel: string;
  onPayload: (payload: string) => void;
  onGap: () => void;
}

/**
 * LISTEN on a Postgres connection of its own (a pooled connection would drop it). When the connection
 * is lost it reconnects with backoff and reports the gap, so the feed reads what it missed.
 */
export class PgNotificationSource implements NotificationSource {
  private client: pg.Client | undefined;
  private closed = false;
  private retryMs = FIRST_RETRY_MS;
  private timer: NodeJS.Timeout | undefined;
  private target: Listening | undefined;

  constructor(
    private readonly connectionString: string,
    private readonly log: Logger,
  ) {}

  async listen(channel: string, onPayload: (payload: string) => void, onGap: () => void): Promise<void> {
    if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error('channel must be a plain identifier');
    this.target = { channel, onPayload, onGap };
    await this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    if (client) await client.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const target = this.target!;
    const client = new pg.Client({ connectionString: this.connectionString, keepAlive: true });
    client.on('notification', (n) => {
      if (n.channel === target.channel && n.payload !== undefined) target.onPayload(n.payload);
    });
    // Errors of a connection already replaced or closed are expected; only the current one's matter.
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${target.channel}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
  }

  private lost(client: pg.Client): void {
    if (client !== this.client) return;
    this.client = undefined;
    void client.end().catch(() => undefined);
    if (!this.closed) this.reconnectLater();
  }

  private reconnectLater(): void {
    this.log.warn({ retryMs: this.retryMs }, 'live updates: listening connection lost, reconnecting');
    this.timer = setTimeout(() => {
      this.connect().then(
        () => {
          if (this.closed) return;
          this.retryMs = FIRST_RETRY_MS;
          this.log.info('live updates: listening again');
          this.target?.onGap();
        },
        () => {
          if (!this.closed) this.reconnectLater();
        },
      );
    }, this.retryMs);
    this.timer.unref();
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
  }
}
