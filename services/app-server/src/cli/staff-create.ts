// `pnpm --filter @switchboard/app-server staff:create --brand <id> --email <email> [--name <name>]
//   [--password-stdin] [--url <app-server URL>]`
// Creates a staff account. The password is asked for (not echoed), or read from stdin's first line.
// With --url it goes through the running server's admin route (SERVICE_TOKEN); without, it opens the
// database itself: with embedded PGlite, stop the server first (one process per data folder).
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError, JsonClient, ServiceError } from '@switchboard/service-kit';
import { createStaffAccount } from '../admin/admin-routes.ts';
import { MIN_PASSWORD_LENGTH } from '../auth/passwords.ts';
import { readStaffCliConfig, type StaffCliConfig } from '../config.ts';
import type { AppStore } from '../store/store.ts';

export interface StaffCreateIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  config: StaffCliConfig;
  /** Opens the store for the direct mode (tests pass their own). */
  openStore: (config: StaffCliConfig) => Promise<AppStore>;
  fetch?: typeof fetch;
}

const USAGE =
  'usage: staff:create --brand <brandId> --email <email> [--name <display name>] [--password-stdin] [--url <app-server URL>]';

/** Reads one line; on a terminal the typed characters are not echoed. */
function readPassword(io: StaffCreateIo, fromStdin: boolean): Promise<string> {
  const interactive = !fromStdin && io.stdin.isTTY;
  if (interactive) io.stdout.write('Password: ');
  const muted = new Writable({ write: (_c, _e, cb) => cb() });
  const rl = createInterface({
    input: io.stdin,
    output: interactive ? muted : undefined,
    terminal: !!interactive,
  });
  return new Promise((res, rej) => {
    let done = false;
    rl.once('line', (line) => {
      done = true;
      rl.close();
      if (interactive) io.stdout.write('\n');
      res(line);
    });
    rl.once('close', () => {
      if (!done) rej(new Error('no password given'));
    });
  });
}

/** Runs the command; returns the exit code. */
export async function runStaffCreate(argv: string[], io: StaffCreateIo): Promise<number> {
  let values: { brand?: string; email?: string; name?: string; 'password-stdin'?: boolean; url?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        brand: { type: 'string' },
        email: { type: 'string' },
        name: { type: 'string' },
        'password-stdin': { type: 'boolean' },
        url: { type: 'string' },
      },
    }));
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (!values.brand || !values.email) {
    io.stderr.write(`${USAGE}\n`);
    return 2;
  }
  let password: string;
  try {
    password = await readPassword(io, !!values['password-stdin']);
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  if (password.length < MIN_PASSWORD_LENGTH) {
    io.stderr.write(`the password must be at least ${MIN_PASSWORD_LENGTH} characters\n`);
    return 2;
  }
  const input = {
    brandId: values.brand,
    email: values.email,
    password,
    ...(values.name ? { displayName: values.name } : {}),
  };
  try {
    let staff: { id: string; email: string; brandId: string };
    if (values.url) {
      if (!io.config.SERVICE_TOKEN) {
        io.stderr.write('--url needs SERVICE_TOKEN in the environment\n');
        return 2;
      }
      const client = new JsonClient({
        baseUrl: values.url,
        token: io.config.SERVICE_TOKEN,
        ...(io.fetch ? { fetch: io.fetch } : {}),
      });
      ({ staff } = await client.request<{ staff: typeof staff }>({
        method: 'POST',
        path: '/admin/staff',
        body: input,
      }));
    } else {
      const store = await io.openStore(io.config);
      try {
        staff = await createStaffAccount(store, input);
      } finally {
        await store.close();
      }
    }
    io.stdout.write(`created staff ${staff.email} (${staff.id}) for brand ${staff.brandId}\n`);
    return 0;
  } catch (err) {
    io.stderr.write(
      `could not create the account: ${err instanceof ServiceError ? err.message : (err as Error).message}\n`,
    );
    return 1;
  }
}

// Run as a script (not when a test imports it).
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let config: StaffCliConfig;
  try {
    config = readStaffCliConfig();
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(2);
  }
  const { openPrismaStore } = await import('../store/prisma-store.ts');
  const code = await runStaffCreate(process.argv.slice(2), {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    config,
    openStore: (c) =>
      openPrismaStore(
        c.DATABASE_URL
          ? { databaseUrl: c.DATABASE_URL }
          : { dataDir: c.DATA_DIR === 'memory' ? 'memory' : resolve(c.DATA_DIR) },
      ),
  });
  process.exit(code);
}
