import type { PrismaAdapter } from '@switchboard/db';
import type { PgliteListener } from '../live/pglite-notifications.ts';

/**
 * The embedded PGlite instance behind the Prisma adapter, for LISTEN. `@switchboard/db` does not hand
 * it out, and the adapter keeps it in its `client` field; the shape is checked here (and by a test), so
 * an adapter upgrade that moves it fails loudly at start-up instead of silently losing live updates.
 */
export function pgliteOf(adapter: PrismaAdapter | undefined): PgliteListener {
  const client = (adapter as unknown as { client?: unknown } | undefined)?.client;
  if (typeof (client as PgliteListener | undefined)?.listen !== 'function')
    throw new Error('live updates: the PGlite adapter no longer exposes its database (client.listen)');
  return client as PgliteListener;
}
