/** A booked callback's placement on its ticket card: the outbound call and its conversation, or the refusal. */
import { timeEl } from '../ui/format.ts';
import { html, type SafeHtml } from '../ui/html.ts';
import type { CallbackPlacement } from './placement-store.ts';

const LABELS: Record<CallbackPlacement['state'], string> = {
  placing: 'Placing the call',
  placed: 'Called back',
  waiting: 'Waiting to call',
  refused: 'Not placed',
  expired: 'Missed',
};

export function placementFacts(p: CallbackPlacement | undefined, timeZone: string): SafeHtml | '' {
  if (!p) return '';
  const detail =
    p.state === 'placed'
      ? html` · call ${p.outboundStatus ?? ''}${p.callSid ? html` · <a class="placement-conversation" href="/conversations/by-call/${p.callSid}">conversation</a>` : ''}`
      : p.state === 'waiting'
        ? html` · ${p.refusalMessage ?? ''}${p.retryAt ? html` · next try ${timeEl(p.retryAt, timeZone)}` : ''}`
        : p.state === 'refused' || p.state === 'expired'
          ? html` · ${p.refusalCode ?? ''}: ${p.refusalMessage ?? ''}`
          : '';
  return html`<div class="placement placement-${p.state}"><dt>Placed by app-server</dt><dd>${LABELS[p.state]}${detail}</dd></div>`;
}
