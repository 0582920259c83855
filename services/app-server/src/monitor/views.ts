import { maskPhone } from '@switchboard/service-kit';
import type { Conversation, ConversationSummary } from '../domain/types.ts';
import { maskedPhone } from '../staff/staff-phone-store.ts';
import { html, type SafeHtml } from '../ui/html.ts';
import { languageBadges } from '../ui/language-view.ts';
import { layout, type Viewer } from '../ui/views.ts';

/** The agent on the call: the specialist the caller was last handed to, else the bot profile's. */
export function currentAgent(c: Conversation): string {
  return c.currentAgent ?? c.botProfileKey;
}

const DIRECTION_LABELS = { inbound: 'Inbound', outbound: 'Outbound', web: 'Web call' } as const;
const directionLabel = (c: Conversation) => DIRECTION_LABELS[c.direction];

/** A live call's running time, ticked by the page script from its start. */
function timer(c: Conversation, id?: string): SafeHtml {
  return html`<time class="call-timer mono" ${id ? html`id="${id}"` : ''} data-started-at="${c.startedAt.toISOString()}" datetime="${c.startedAt.toISOString()}">0:00</time>`;
}

/** One row of the live calls list (the page script keeps rows in start order). */
export function liveCallRow(c: Conversation): SafeHtml {
  return html`<tr id="live-${c.id}" data-order="${c.startedAt.getTime()}" data-v="${c.updatedAt.getTime()}" data-conversation-id="${c.id}">
  <td data-label="Direction">${directionLabel(c)}</td>
  <td data-label="Number"><a class="row-link" href="/conversations/${c.id}">${maskPhone(c.callerNumber)}</a></td>
  <td data-label="Bot profile">${c.botProfileKey}</td>
  <td data-label="Agent">${currentAgent(c)}</td>
  <td data-label="Languages">${languageBadges(c.languages)}</td>
  <td data-label="Duration">${timer(c)}</td>
</tr>`;
}

/** The live calls of the viewer's brand, kept current over server-sent events. */
export function liveCallsPage(o: { viewer: Viewer; calls: ConversationSummary[] }): SafeHtml {
  return layout({
    title: 'Live calls',
    principal: o.viewer.principal,
    brandLabel: o.viewer.brandLabel,
    nav: 'live',
    body: html`<h1>Live calls</h1>
<p class="muted">Calls in progress for your brand. Open one to follow it and act on it.</p>
<table class="list live-calls">
  <thead><tr><th>Direction</th><th>Number</th><th>Bot profile</th><th>Agent</th><th>Languages</th><th>Duration</th></tr></thead>
  <tbody id="live-calls" data-live-url="/live/stream">
  ${o.calls.map((c) => liveCallRow(c))}
  </tbody>
</table>
<p class="empty card" id="no-live-calls" ${o.calls.length ? html`hidden` : ''}>No calls in progress.</p>`,
  });
}

/** Why an action could not be taken, shown above the monitor's buttons. */
export type MonitorNotice = { kind: 'error' | 'done'; text: string };

/**
 * The monitor panel of a conversation: while the call is live, its timer, each side's level meter and
 * the actions (end the call, transfer it); once it has ended, a line saying so.
 */
export function monitorPanel(c: Conversation, notice?: MonitorNotice, myPhone?: string | null): SafeHtml {
  if (c.status !== 'active')
    return html`<section class="monitor card" id="call-monitor" data-v="ended-${c.updatedAt.getTime()}">
  <h2>Live monitor</h2><p class="muted">The call has ended.</p>
</section>`;
  const self = `/conversations/${c.id}`;
  const canAct = c.controlUrl !== null;
  return html`<section class="monitor card" id="call-monitor" data-v="live-${c.updatedAt.getTime()}" data-live-call>
  <h2>Live monitor</h2>
  <dl class="facts">
    <div><dt>Direction</dt><dd>${directionLabel(c)}</dd></div>
    <div><dt>Agent</dt><dd>${currentAgent(c)}</dd></div>
    <div><dt>Time on call</dt><dd>${timer(c, 'call-timer')}</dd></div>
  </dl>
  <div class="meters">
    <label>Caller <meter id="level-caller" min="0" max="1" low="0.05" high="0.6" optimum="0.3" value="0"></meter></label>
    <label>Agent <meter id="level-agent" min="0" max="1" low="0.05" high="0.6" optimum="0.3" value="0"></meter></label>
  </div>
  ${notice ? html`<p class="${notice.kind === 'error' ? 'error' : 'notice'}" role="${notice.kind === 'error' ? 'alert' : 'status'}">${notice.text}</p>` : ''}
  ${
    canAct
      ? html`<div class="actions monitor-actions">
    <form method="post" action="${self}/end-call" class="inline">
      <button type="submit" class="danger">End call</button>
    </form>
    <form method="post" action="${self}/transfer" class="inline transfer">
      <label for="transfer-to">Transfer to</label>
      <input id="transfer-to" name="to" type="tel" inputmode="tel" required placeholder="+14155550123" pattern="\\+[1-9][0-9]{6,14}" title="A number in international format: + then country code and number, e.g. +14155550123" autocomplete="off">
      <button type="submit">Transfer</button>
    </form>
    ${myPhone ? html`<form method="post" action="${self}/transfer" class="inline transfer-mine"><input type="hidden" name="to" value="${myPhone}"><button type="submit">Transfer to my phone (${maskedPhone(myPhone)})</button></form>` : ''}
  </div>
  <p class="hint muted">Ending: the agent says a short goodbye, then hangs up. Transfer: the caller hears a short line, then the number rings.</p>`
      : html`<p class="muted">This call cannot be acted on from here (the voice server did not say where it runs).</p>`
  }
</section>`;
}
