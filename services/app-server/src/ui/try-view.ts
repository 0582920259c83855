import { html, type SafeHtml } from './html.ts';
import { layout, type Viewer } from './views.ts';

/**
 * "Try your bot": staff talk to one of their brand's bot profiles from the browser microphone. The
 * page script (`try.js`) asks for a web-call token, streams to voice-server and shows the transcript.
 */
export function tryPage(o: { viewer: Viewer; profileKeys: string[]; enabled: boolean }): SafeHtml {
  const first = o.profileKeys[0] ?? '';
  const body = o.enabled
    ? html`<section class="card try-call" id="try-call" data-token-url="/try/token">
  <form id="try-form">
    <label>Bot profile <input id="try-profile" name="profileKey" list="try-profiles" value="${first}" required maxlength="128" autocapitalize="none" spellcheck="false"></label>
    <datalist id="try-profiles">${o.profileKeys.map((k) => html`<option value="${k}"></option>`)}</datalist>
    <button type="submit" id="try-start">Start</button>
    <button type="button" id="try-stop" disabled>Stop</button>
  </form>
  <p id="try-status" role="status" class="muted">Not connected.</p>
  <p id="try-link" hidden><a href="#">Open the conversation</a></p>
</section>
<section class="card">
  <h2>Transcript</h2>
  <ol class="messages" id="try-transcript"></ol>
</section>
<script src="/assets/try.js" defer></script>`
    : html`<p class="empty card">Browser test calls are not set up here (WEB_CALL_URL and WEB_CALL_SECRET).</p>`;
  return layout({
    title: 'Try your bot',
    principal: o.viewer.principal,
    brandLabel: o.viewer.brandLabel,
    nav: 'try',
    body: html`<h1>Try your bot</h1>
<p class="muted">Talk to one of your brand’s bot profiles from this browser’s microphone. The call runs as a phone call does (tools, transcript, barge-in) and is kept with your conversations as a web call.</p>
${body}`,
  });
}
