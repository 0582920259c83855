/** Reciprocal rank fusion constant (the usual 60: damps the head of each list). */
const RRF_K = 60;

/** Byte order of two ids: the stable tie-break of every ranking here (chunk ids are content-derived). */
export const byId = (a: { id: string }, b: { id: string }): number =>
  a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/** Reciprocal rank fusion of ranked id lists; `ranks[i]` is the 1-based rank in list i; ties go by id. */
export function fuse(
  lists: readonly (readonly string[])[],
): Array<{ id: string; score: number; ranks: Array<number | undefined> }> {
  const entries = new Map<string, { id: string; score: number; ranks: Array<number | undefined> }>();
  lists.forEach((list, li) => {
    list.forEach((id, i) => {
      let e = entries.get(id);
      if (!e) {
        e = { id, score: 0, ranks: lists.map(() => undefined) };
        entries.set(id, e);
      }
      e.score += 1 / (RRF_K + i + 1);
      e.ranks[li] = i + 1;
    });
  });
  return [...entries.values()].sort((a, b) => b.score - a.score || byId(a, b));
}

/** A tsquery text OR-ing already-normalised lexemes, each quoted. */
export function orQuery(lexemes: readonly string[]): string {
  return lexemes.map((l) => `'${l.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`).join(' | ');
}
