import type { CallRecording } from '../recordings/recording-store.ts';
import { formatDuration, timeEl } from './format.ts';
import { html, type SafeHtml } from './html.ts';

/** The call's recording on its page: a player (the audio comes through app-server), its length, delete. */
export function recordingPanel(
  conversationId: string,
  rec: CallRecording | null,
  timeZone: string,
): SafeHtml {
  if (!rec) return html``;
  const self = `/conversations/${conversationId}`;
  if (rec.deletedAt)
    return html`<section class="recording card" aria-label="Recording"><h2>Recording</h2>
<p class="muted">Deleted ${timeEl(rec.deletedAt, timeZone)}${rec.deletedBy === 'retention' ? ' (the brand’s retention period ended)' : ''}.</p></section>`;
  if (rec.status !== 'completed')
    return html`<section class="recording card" aria-label="Recording"><h2>Recording</h2>
<p class="muted">No audio was recorded (${rec.status}).</p></section>`;
  return html`<section class="recording card" aria-label="Recording"><h2>Recording</h2>
<audio controls preload="none" src="/api/conversations/${conversationId}/recording"></audio>
<p class="muted">${formatDuration(rec.durationSec)} · caller and agent on separate channels</p>
<form method="post" action="${self}/recording/delete" class="inline"><button type="submit">Delete recording</button></form>
</section>`;
}
