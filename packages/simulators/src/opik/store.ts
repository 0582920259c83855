/**
 * What the Opik capture server keeps: traces and spans by id, each the batch-created record with
 * later PATCH updates merged in (as Opik stores them), and feedback scores. Tests read it.
 */

/** A trace or span as stored: the wire fields, snake_case as the SDK sends them. */
export type OpikRecord = Record<string, unknown> & { id: string };

/** A feedback score as sent (`id` is the trace or span it scores). */
export type OpikScore = Record<string, unknown> & { id: string; name: string; value: number };

/** One captured request. */
export interface CapturedRequest {
  method: string;
  path: string;
  status: number | 'stalled';
  body: unknown;
}

/** Traces, spans and scores, as they arrived. */
export class OpikStore {
  readonly requests: CapturedRequest[] = [];
  readonly traceScores: OpikScore[] = [];
  readonly spanScores: OpikScore[] = [];
  private readonly traceMap = new Map<string, OpikRecord>();
  private readonly spanMap = new Map<string, OpikRecord>();

  /** Every trace, in creation order. */
  traces(): OpikRecord[] {
    return [...this.traceMap.values()];
  }

  /** Every span, or a trace's spans, in creation order. */
  spans(traceId?: string): OpikRecord[] {
    const all = [...this.spanMap.values()];
    return traceId === undefined ? all : all.filter((s) => s.trace_id === traceId);
  }

  trace(id: string): OpikRecord | undefined {
    return this.traceMap.get(id);
  }

  addTraces(records: OpikRecord[]): void {
    for (const r of records) this.traceMap.set(r.id, { ...this.traceMap.get(r.id), ...r });
  }

  addSpans(records: OpikRecord[]): void {
    for (const r of records) this.spanMap.set(r.id, { ...this.spanMap.get(r.id), ...r });
  }

  /** Merges a PATCH; false when the id is unknown. */
  update(kind: 'traces' | 'spans', id: string, fields: Record<string, unknown>): boolean {
    const map = kind === 'traces' ? this.traceMap : this.spanMap;
    const existing = map.get(id);
    if (!existing) return false;
    map.set(id, { ...existing, ...fields, id });
    return true;
  }
}
