// How the demo shows the call's hand-offs between the profile's agents, as app-server recorded them.
import type { DemoStack } from '../test/support/demo-stack.ts';
import type { Say } from './demo-report.ts';

/** Each hand-off on the conversation: when, from which agent to which, and why. */
export async function printHandOffs(
  stack: DemoStack['stack'],
  conversationId: string | undefined,
  say: Say,
): Promise<void> {
  if (!conversationId) return;
  type View = {
    messages: Array<{ startedAt: string; handoff: { from: string; to: string; reason: string } | null }>;
  };
  const view = await stack.staffGet<View>(`/api/conversations/${conversationId}`).catch(() => undefined);
  const handOffs = view?.messages.filter((m) => m.handoff) ?? [];
  say('\nAgent hand-offs (recorded on the conversation):');
  if (!handOffs.length) say('  none');
  for (const m of handOffs)
    say(`  ${m.startedAt.slice(11, 19)}  ${m.handoff!.from} → ${m.handoff!.to}: ${m.handoff!.reason}`);
}
