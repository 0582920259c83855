/**
 * Resolution and hand-off rates per retrieval lane: which lane served a call comes from its knowledge
 * tool results (voice-server records the lane on each), whether it was resolved from its post-call
 * analysis, whether it was handed off from its end reason (a transfer to a human).
 */
import type { Message } from '../domain/types.ts';

/** The tools whose results carry the lane that served the search. */
export const KNOWLEDGE_TOOLS = new Set(['get_knowledge', 'search_knowledge_base']);
/** Longest lane name taken from a tool result (ai-server's names are at most 32 characters). */
const MAX_LANE_CHARS = 64;

/** The lane a tool result names, or null (another tool, or no usable lane). */
export function laneOfToolCall(m: Pick<Message, 'toolName' | 'toolResult'>): string | null {
  if (!KNOWLEDGE_TOOLS.has(m.toolName ?? '')) return null;
  const lane = (m.toolResult as { lane?: unknown } | null)?.lane;
  return typeof lane === 'string' && lane && lane.length <= MAX_LANE_CHARS ? lane : null;
}

/**
 * One analysed call that searched the knowledge base: the lane of its first search (a call is
 * assigned one lane for its whole length; a later search that fell back to the other lane does not
 * move it), its analysis' resolution and its end reason.
 */
export interface LanePoint {
  lane: string;
  resolution: string | null;
  endReason: string | null;
}

export interface LaneRate {
  lane: string;
  /** Analysed calls the lane served. */
  calls: number;
  /** Of those, the analysis says `resolved`. */
  resolved: number;
  /** Of those, the call ended in a transfer to a human. */
  handedOff: number;
  /** resolved / calls and handedOff / calls, 0..1 to three places; null without calls. */
  resolutionRate: number | null;
  handoffRate: number | null;
}

/** The end reason voice-server records for a call transferred to a human. */
export const HANDOFF_END_REASON = 'transferred';

const rate = (n: number, of: number) => (of ? Math.round((n / of) * 1000) / 1000 : null);

/** Rates per lane, by lane name. */
export function laneRates(points: readonly LanePoint[]): LaneRate[] {
  const by = new Map<string, { calls: number; resolved: number; handedOff: number }>();
  for (const p of points) {
    const r = by.get(p.lane) ?? { calls: 0, resolved: 0, handedOff: 0 };
    r.calls++;
    if (p.resolution === 'resolved') r.resolved++;
    if (p.endReason === HANDOFF_END_REASON) r.handedOff++;
    by.set(p.lane, r);
  }
  return [...by]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([lane, r]) => ({
      lane,
      ...r,
      resolutionRate: rate(r.resolved, r.calls),
      handoffRate: rate(r.handedOff, r.calls),
    }));
}
