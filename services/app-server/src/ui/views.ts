import type { Principal } from '../auth/authenticator.ts';
import type { CallbackPlacement } from '../callbacks/placement-store.ts';
import { placementFacts } from '../callbacks/placement-view.ts';
import {
  CONVERSATION_STATUSES,
  type Conversation,
  type ConversationSummary,
  type Message,
  type Page,
  TICKET_KINDS,
  TICKET_STATUSES,
  type Ticket,
} from '../domain/types.ts';
import { distinctToolCalls, figuresPanel } from './figures.ts';
import { formatDuration, formatWindow, opikTraceUrl, timeEl } from './format.ts';
import { html, type SafeHtml } from './html.ts';
import { languageBadges, languagesText } from './language-view.ts';
import { messageItem } from './turn.ts';

const STATUS_LABEL: Record<string, string> = {
  active: 'Live',
  ended: 'Ended',
  open: 'Open',
  in_progress: 'In progress',
  resolved: 'Resolved',
  closed: 'Closed',
  scheduled: 'Scheduled',
  done: 'Done',
  cancelled: 'Cancelled',
  missed: 'Missed',
};

const label = (s: string) => STATUS_LABEL[s] ?? s;
const badge = (s: string) => html`<span class="badge badge-${s}">${label(s)}</span>`;

/** Who reads a page, and the zone its times are shown in. */
export interface Viewer {
  principal: Principal;
  /** The brand as staff know it (name or slug); none when it has neither (its id means nothing to them). */
  brandLabel?: string;
  /** The brand's IANA time zone (UTC when unknown): the zone of every time on list pages. */
  timeZone: string;
}

export interface LayoutOptions {
  title: string;
  principal?: Principal;
  /** The brand as staff know it (name or slug); none when it has neither. */
  brandLabel?: string;
  nav?: 'conversations' | 'live' | 'tickets' | 'analytics' | 'try';
  body: SafeHtml;
}

/** The page shell: top bar with navigation and sign-out, then the body. */
export function layout(o: LayoutOptions): SafeHtml {
  const p = o.principal;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title} · Switchboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/app.css">
<script src="/assets/app.js" defer></script>
</head>
<body>
<header class="topbar">
  <a class="brand" href="/conversations">Switchboard</a>
  ${
    p
      ? html`<nav>
    <a href="/conversations" ${o.nav === 'conversations' ? html`aria-current="page"` : ''}>Conversations</a>
    <a href="/live" ${o.nav === 'live' ? html`aria-current="page"` : ''}>Live calls</a>
    <a href="/tickets" ${o.nav === 'tickets' ? html`aria-current="page"` : ''}>Tickets &amp; callbacks</a>
    <a href="/analytics" ${o.nav === 'analytics' ? html`aria-current="page"` : ''}>Analytics</a>
    <a href="/try" ${o.nav === 'try' ? html`aria-current="page"` : ''}>Try your bot</a>
  </nav>
  <div class="who">
    <span class="who-name" title="${p.name}">${p.displayName}</span>
    ${o.brandLabel ? html`<span class="who-brand">${o.brandLabel}</span>` : ''}
    <form method="post" action="/logout"><button type="submit" class="link">Sign out</button></form>
  </div>`
      : ''
  }
</header>
<main>
${o.body}
</main>
</body>
</html>`;
}

export function loginPage(o: { error?: string; brand?: string; email?: string; next: string }): SafeHtml {
  return layout({
    title: 'Sign in',
    body: html`<section class="login card">
  <h1>Sign in</h1>
  <p class="muted">Staff of a brand see that brand's conversations.</p>
  ${o.error ? html`<p class="error" role="alert">${o.error}</p>` : ''}
  <form method="post" action="/login">
    <input type="hidden" name="next" value="${o.next}">
    <label>Brand <input name="brand" autocomplete="organization" autocapitalize="none" spellcheck="false" placeholder="e.g. acme" value="${o.brand ?? ''}"></label>
    <p class="hint muted">The short name of your brand. Leave it empty if your email belongs to one brand only.</p>
    <label>Email <input name="email" type="email" required autocomplete="username" value="${o.email ?? ''}"></label>
    <label>Password <input name="password" type="password" required autocomplete="current-password"></label>
    <button type="submit" class="primary">Sign in</button>
  </form>
</section>`,
  });
}

export function messagePage(o: { title: string; text: string; principal?: Principal }): SafeHtml {
  return layout({
    title: o.title,
    ...(o.principal ? { principal: o.principal } : {}),
    body: html`<section class="card"><h1>${o.title}</h1><p>${o.text}</p>
<p><a href="/conversations">Back to conversations</a></p></section>`,
  });
}

function selectOptions(values: readonly string[], current: string | undefined, anyLabel?: string): SafeHtml {
  return html`${anyLabel !== undefined ? html`<option value="">${anyLabel}</option>` : ''}${values.map(
    (v) => html`<option value="${v}" ${v === current ? html`selected` : ''}>${label(v)}</option>`,
  )}`;
}

export interface ConversationListQuery {
  from?: string;
  to?: string;
  caller?: string;
  status?: string;
  q?: string;
  language?: string;
}

/** The conversation list with its filters. */
export function conversationsPage(o: {
  viewer: Viewer;
  query: ConversationListQuery;
  page?: Page<ConversationSummary>;
  error?: string;
  nextHref?: string;
}): SafeHtml {
  const q = o.query;
  const rows = o.page?.items ?? [];
  return layout({
    title: 'Conversations',
    principal: o.viewer.principal,
    brandLabel: o.viewer.brandLabel,
    nav: 'conversations',
    body: html`<h1>Conversations</h1>
<form class="filters card" method="get" action="/conversations">
  <label>From <input type="date" name="from" value="${q.from ?? ''}"></label>
  <label>To <input type="date" name="to" value="${q.to ?? ''}"></label>
  <label>Caller <input name="caller" inputmode="tel" placeholder="+1415…" value="${q.caller ?? ''}"></label>
  <label>Status <select name="status">${selectOptions(CONVERSATION_STATUSES, q.status, 'Any')}</select></label>
  <label>Language <input name="language" size="6" placeholder="es" autocapitalize="none" spellcheck="false" value="${q.language ?? ''}"></label>
  <label class="grow">Text <input type="search" name="q" placeholder="words said in the call" value="${q.q ?? ''}"></label>
  <div class="filter-actions"><button type="submit" class="primary">Search</button> <a href="/conversations">Clear</a></div>
</form>
${o.error ? html`<p class="error" role="alert">${o.error}</p>` : ''}
${q.q && rows.length ? html`<p class="muted search-note">Best match first.</p>` : ''}
${
  rows.length === 0 && !o.error
    ? html`<p class="empty card">No conversations match.</p>`
    : html`<table class="list conversations">
  <thead><tr><th>Started</th><th>Caller</th><th>Status</th><th>Duration</th><th>Messages</th><th>Open tickets</th><th>Languages</th><th>Bot profile</th></tr></thead>
  <tbody>
  ${rows.map(
    (c) => html`<tr data-conversation-id="${c.id}">
    <td data-label="Started"><a class="row-link" href="/conversations/${c.id}">${timeEl(c.startedAt, o.viewer.timeZone)}</a></td>
    <td data-label="Caller"><a href="/conversations/${c.id}">${c.callerNumber}</a>${c.isSip ? html` <span class="tag">SIP</span>` : ''}${webTag(c)}</td>
    <td data-label="Status">${badge(c.status)}</td>
    <td data-label="Duration">${formatDuration(c.durationSec)}</td>
    <td data-label="Messages">${c.messageCount}</td>
    <td data-label="Open tickets">${c.openTicketCount ? html`<span class="badge badge-open">${c.openTicketCount}</span>` : '0'}</td>
    <td data-label="Languages">${languageBadges(c.languages)}</td>
    <td data-label="Bot profile">${c.botProfileKey}</td>
  </tr>`,
  )}
  </tbody>
</table>`
}
${o.nextHref ? html`<p class="pager"><a href="${o.nextHref}">Older conversations →</a></p>` : ''}`,
  });
}

/** Where a ticket's marker sits in the transcript: after the last turn stored when it was made. */
export function markerOrder(ticket: Ticket): number {
  return ticket.afterSequence + 0.5;
}

/** A handoff or callback marker in the transcript. */
export function markerItem(t: Ticket, order: number, timeZone: string): SafeHtml {
  const what =
    t.kind === 'handoff'
      ? html`Handoff to a human${t.transferTarget ? html` · transferred to ${t.transferTarget}` : ''}`
      : html`Callback promised${t.callback ? html` · ${formatWindow(t.callback.windowStart, t.callback.windowEnd, t.callback.timezone)}` : ''}`;
  return html`<li class="marker marker-${t.kind}" id="marker-${t.id}" data-order="${order}" data-v="${t.updatedAt.getTime()}-${order}">
  <span class="marker-line">${what}</span> ${timeEl(t.createdAt, timeZone)} <a href="#ticket-${t.id}">${badge(t.status)}</a>
</li>`;
}

/** A browser test call ("Try your bot") says so wherever its caller is shown. */
const webTag = (c: Conversation): SafeHtml | string =>
  c.direction === 'web' ? html` <span class="tag web-call">Web call</span>` : '';

/** The call's header: caller, status, times, trace link. */
export function callHeader(c: Conversation, opikUiUrl: string | undefined, timeZone: string): SafeHtml {
  const trace = opikTraceUrl(opikUiUrl, c.opikTraceId);
  return html`<section class="call-header card" id="call-header" data-v="${c.updatedAt.getTime()}">
  <div class="call-title">
    <h1>${c.callerNumber}</h1>
    ${badge(c.status)}${webTag(c)}
    ${c.status === 'active' ? html`<span class="live-dot" title="New messages appear as the call goes on">live updates</span>` : ''}
  </div>
  <dl class="facts">
    <div><dt>Started</dt><dd>${timeEl(c.startedAt, timeZone)}</dd></div>
    ${c.endedAt ? html`<div><dt>Ended</dt><dd>${timeEl(c.endedAt, timeZone)}</dd></div>` : ''}
    ${c.endReason ? html`<div><dt>End reason</dt><dd>${c.endReason}</dd></div>` : ''}
    <div><dt>Time zone</dt><dd>${timeZone}${c.timezone ? '' : ' (not reported by the call)'}</dd></div>
    <div><dt>Line</dt><dd>${c.isSip ? 'SIP' : 'Phone (PSTN)'}</dd></div>
    <div><dt>Bot profile</dt><dd>${c.botProfileKey}</dd></div>
    ${c.languages.length ? html`<div><dt>Languages</dt><dd class="languages">${languagesText(c.languages)}</dd></div>` : ''}
    <div><dt>Call SID</dt><dd class="mono">${c.callSid}</dd></div>
    ${
      c.opikTraceId
        ? html`<div><dt>Trace</dt><dd>${trace ? html`<a class="trace-link" href="${trace}" target="_blank" rel="noopener noreferrer">Open in Opik</a>` : html`<span class="mono">${c.opikTraceId}</span>`}</dd></div>`
        : ''
    }
  </dl>
</section>`;
}

function ticketStatusForm(t: Ticket, returnTo: string): SafeHtml {
  return html`<form method="post" action="/tickets/${t.id}/status" class="inline">
    <input type="hidden" name="returnTo" value="${returnTo}">
    <label class="sr-only" for="status-${t.id}">Ticket status</label>
    <select id="status-${t.id}" name="status">${selectOptions(TICKET_STATUSES, t.status)}</select>
    <button type="submit">Update</button>
  </form>`;
}

function callbackActions(t: Ticket, returnTo: string): SafeHtml {
  const cb = t.callback!;
  const button = (status: string, text: string, cls = '') =>
    html`<form method="post" action="/callbacks/${cb.id}/status" class="inline">
      <input type="hidden" name="returnTo" value="${returnTo}">
      <input type="hidden" name="status" value="${status}">
      <button type="submit" class="${cls}">${text}</button>
    </form>`;
  return html`<div class="actions">
    ${cb.status !== 'done' ? button('done', 'Mark done', 'primary') : ''}
    ${cb.status !== 'cancelled' ? button('cancelled', 'Cancel callback') : ''}
    ${cb.status !== 'scheduled' ? button('scheduled', 'Reschedule') : ''}
  </div>`;
}

/** One ticket card with its callback and the status actions. */
export function ticketCard(
  t: Ticket,
  returnTo: string,
  timeZone: string,
  opts: {
    conversationLink?: string;
    opikUiUrl?: string | undefined;
    placement?: CallbackPlacement | undefined;
  } = {},
): SafeHtml {
  const cb = t.callback;
  const trace = opikTraceUrl(opts.opikUiUrl, t.opikTraceId);
  return html`<article class="ticket card ticket-${t.kind}" id="ticket-${t.id}" data-ticket-id="${t.id}">
  <header>
    <span class="kind">${t.kind === 'handoff' ? 'Handoff' : 'Callback'}</span>
    ${badge(t.status)}
    <span class="tag priority-${t.priority}">${t.priority}</span>
    ${timeEl(t.createdAt, timeZone)}
  </header>
  <p class="summary">${t.summary}</p>
  ${
    cb
      ? html`<dl class="facts callback" data-callback-id="${cb.id}">
    <div><dt>Call back</dt><dd><a href="tel:${cb.phone.replace(/[^+\d]/g, '')}">${cb.phone}</a></dd></div>
    <div><dt>When</dt><dd>${formatWindow(cb.windowStart, cb.windowEnd, cb.timezone)}</dd></div>
    <div><dt>Callback</dt><dd class="callback-status">${badge(cb.status)}</dd></div>
    ${placementFacts(opts.placement, timeZone)}
  </dl>`
      : ''
  }
  ${t.transferTarget ? html`<p class="muted">Transferred to ${t.transferTarget}</p>` : ''}
  ${t.transcriptExcerpt ? html`<details><summary>Transcript excerpt</summary><pre class="excerpt">${t.transcriptExcerpt}</pre></details>` : ''}
  ${t.knowledgeChunkIds.length ? html`<details><summary>Knowledge used (${t.knowledgeChunkIds.length})</summary><ul class="chunks">${t.knowledgeChunkIds.map((id) => html`<li class="mono">${id}</li>`)}</ul></details>` : ''}
  ${t.opikTraceId ? html`<p class="trace">${trace ? html`<a class="trace-link" href="${trace}" target="_blank" rel="noopener noreferrer">Open the call's trace in Opik</a>` : html`Trace <span class="mono">${t.opikTraceId}</span>`}</p>` : ''}
  <p class="muted assignee">${t.assignee ? html`Assigned to ${t.assignee}` : 'Unassigned'}</p>
  <footer>
    ${cb ? callbackActions(t, returnTo) : ''}
    ${ticketStatusForm(t, returnTo)}
    <form method="post" action="/tickets/${t.id}/assign" class="inline">
      <input type="hidden" name="returnTo" value="${returnTo}">
      <button type="submit" class="link">Assign to me</button>
    </form>
    ${opts.conversationLink ? html`<a href="${opts.conversationLink}">Open conversation</a>` : ''}
  </footer>
</article>`;
}

/** The side panel of a conversation: its tickets, oldest first. */
export function ticketsPanel(
  tickets: Ticket[],
  returnTo: string,
  timeZone: string,
  opikUiUrl?: string,
): SafeHtml {
  const version = tickets.map((t) => `${t.id}:${t.updatedAt.getTime()}`).join(',');
  return html`<aside class="side" id="tickets-panel" data-v="${version}">
  <h2>Tickets &amp; callbacks</h2>
  ${tickets.length ? tickets.map((t) => ticketCard(t, returnTo, timeZone, { opikUiUrl })) : html`<p class="muted">None for this call.</p>`}
</aside>`;
}

/** A transcript item: its element id, its place (message sequence; markers between), its markup. */
export interface TranscriptEntry {
  id: string;
  order: number;
  html: SafeHtml;
}

/** The transcript items (turns and markers) in conversation order; each tool call once. */
export function transcriptEntries(
  messages: Message[],
  tickets: Ticket[],
  timeZone: string,
): TranscriptEntry[] {
  const tools = new Set(distinctToolCalls(messages));
  const items: TranscriptEntry[] = messages
    .filter((m) => !(m.role === 'tool' || m.toolName) || tools.has(m))
    .map((m) => ({ id: `msg-${m.sequence}`, order: m.sequence, html: messageItem(m, timeZone) }));
  for (const t of tickets) {
    const order = markerOrder(t);
    items.push({ id: `marker-${t.id}`, order, html: markerItem(t, order, timeZone) });
  }
  return items.sort((a, b) => a.order - b.order);
}

export function conversationPage(o: {
  viewer: Viewer;
  conversation: Conversation;
  messages: Message[];
  tickets: Ticket[];
  opikUiUrl: string | undefined;
  /** The call's zone: the one it reported, else the brand's. */
  timeZone: string;
  /** The post-call analysis panel, when there is one to show. */
  analysis?: SafeHtml;
  /** The live monitor panel (timer, levels, actions), for a live call or one that just ended. */
  monitor?: SafeHtml;
  /** The call recording panel, when the call was recorded. */
  recording?: SafeHtml;
}): SafeHtml {
  const c = o.conversation;
  const self = `/conversations/${c.id}`;
  return layout({
    title: `Call from ${c.callerNumber}`,
    principal: o.viewer.principal,
    brandLabel: o.viewer.brandLabel,
    nav: 'conversations',
    body: html`<p class="crumbs"><a href="/conversations">← Conversations</a></p>
${callHeader(c, o.opikUiUrl, o.timeZone)}
${o.monitor ?? ''}
${figuresPanel(c, o.messages)}
${o.recording ?? ''}
${o.analysis ?? ''}
<div class="columns">
  <section class="transcript card" aria-label="Transcript">
    <h2>Transcript</h2>
    <ol class="messages" id="messages" data-live-url="${self}/live" aria-live="polite">
      ${transcriptEntries(o.messages, o.tickets, o.timeZone).map((e) => e.html)}
    </ol>
    ${o.messages.length === 0 ? html`<p class="muted" id="no-messages">No messages yet.</p>` : ''}
  </section>
  ${ticketsPanel(o.tickets, self, o.timeZone, o.opikUiUrl)}
</div>`,
  });
}

export function ticketsPage(o: {
  viewer: Viewer;
  query: { status?: string; kind?: string; callback?: string };
  page: Page<Ticket>;
  returnTo: string;
  nextHref?: string;
  opikUiUrl?: string | undefined;
  /** Booked callbacks app-server placed, by callback id. */
  placements?: Map<string, CallbackPlacement>;
}): SafeHtml {
  return layout({
    title: 'Tickets & callbacks',
    principal: o.viewer.principal,
    brandLabel: o.viewer.brandLabel,
    nav: 'tickets',
    body: html`<h1>Tickets &amp; callbacks</h1>
<form class="filters card" method="get" action="/tickets">
  <label>Status <select name="status">${selectOptions(TICKET_STATUSES, o.query.status, 'Any')}</select></label>
  <label>Kind <select name="kind">${selectOptions(TICKET_KINDS, o.query.kind, 'Any')}</select></label>
  <div class="filter-actions"><button type="submit" class="primary">Filter</button> <a href="/tickets">Clear</a></div>
</form>
<p class="quick"><a href="/tickets?kind=callback&amp;status=open">Callbacks to make</a> · <a href="/tickets?kind=handoff&amp;status=open">Open handoffs</a></p>
<div class="ticket-list">
${o.page.items.length ? o.page.items.map((t) => ticketCard(t, o.returnTo, o.viewer.timeZone, { conversationLink: `/conversations/${t.conversationId}`, opikUiUrl: o.opikUiUrl, placement: t.callback ? o.placements?.get(t.callback.id) : undefined })) : html`<p class="empty card">No tickets match.</p>`}
</div>
${o.nextHref ? html`<p class="pager"><a href="${o.nextHref}">Older tickets →</a></p>` : ''}`,
  });
}
