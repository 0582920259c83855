/** A provider's message as a JSON object, or why it is not one. Never throws. */
export function readJsonObject(raw: string): { object: Record<string, unknown> } | { reason: string } {
  let m: unknown;
  try {
    m = JSON.parse(raw);
  } catch {
    return { reason: 'not JSON' };
  }
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return { reason: 'not a JSON object' };
  return { object: m as Record<string, unknown> };
}
