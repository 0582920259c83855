/**
 * Words of a text as the GloVe vocabulary spells them: lower case, letters and digits, with English
 * clitics split off the way its tokenizer did ("don't" → "do", "n't"; "parcel's" → "parcel", "'s").
 */
const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu;

export function tokens(text: string): string[] {
  const out: string[] = [];
  for (const m of text.normalize('NFKC').toLowerCase().matchAll(WORD)) {
    const w = m[0].replace('’', "'");
    const q = w.indexOf("'");
    if (q < 0) {
      out.push(w);
      continue;
    }
    const head = w.slice(0, q);
    const tail = w.slice(q);
    if (tail === "'t" && head.endsWith('n')) out.push(head.slice(0, -1) || head, "n't");
    else out.push(head, tail);
  }
  return out;
}
