import { languageName } from '../domain/languages.ts';
import type { Conversation, Page } from '../domain/types.ts';
import { timeEl } from '../ui/format.ts';
import { html, type SafeHtml } from '../ui/html.ts';
import { layout, type Viewer } from '../ui/views.ts';
import { type AnalysisAggregates, LEAD_BANDS } from './aggregate.ts';
import { SENTIMENTS } from './analysis-schema.ts';
import type { AnalyzedConversation, ConversationAnalysis } from './analysis-store.ts';
import type { LaneRate } from './lane-rates.ts';

const words = (s: string | null) => (s ?? '—').replace(/_/g, ' ');
const sentimentBadge = (s: string | null) =>
  html`<span class="badge sentiment-${s ?? 'unknown'}">${words(s)}</span>`;

/** The analysis card on a conversation page: the result, how it was made, and the re-run button. */
export function analysisPanel(o: {
  conversation: Conversation;
  analysis: ConversationAnalysis | null;
  enabled: boolean;
  timeZone: string;
}): SafeHtml {
  const a = o.analysis;
  const c = o.conversation;
  const rerun =
    o.enabled && c.status === 'ended'
      ? html`<form method="post" action="/conversations/${c.id}/analysis" class="inline">
    <button type="submit">${a?.status === 'done' ? 'Analyse again' : 'Analyse now'}</button></form>`
      : '';
  const state = !a
    ? html`<p class="muted">${o.enabled ? (c.status === 'ended' ? 'Not analysed.' : 'Analysed when the call ends.') : 'Post-call analysis is off.'}</p>`
    : a.status === 'pending'
      ? html`<p class="muted" data-analysis-status="pending">Analysis queued${a.attempts ? html` (attempt ${a.attempts + 1})` : ''}.${a.error ? html` Last try: ${a.error}` : ''}</p>`
      : a.status === 'failed'
        ? html`<p class="error" data-analysis-status="failed">Analysis failed: ${a.error ?? 'unknown error'}</p>`
        : '';
  const result =
    a?.summary !== null && a?.summary !== undefined
      ? html`<p class="summary">${a.summary}</p>
  <dl class="facts">
    <div><dt>Sentiment</dt><dd>${sentimentBadge(a.sentiment)}</dd></div>
    <div><dt>Intent</dt><dd><a href="/analytics?intent=${encodeURIComponent(a.intent ?? '')}">${words(a.intent)}</a></dd></div>
    <div><dt>Resolution</dt><dd>${words(a.resolution)}</dd></div>
    <div><dt>Lead score</dt><dd><meter min="0" max="100" value="${a.leadScore ?? 0}"></meter> ${a.leadScore ?? '—'}</dd></div>
  </dl>
  <p class="muted small">${a.model} · prompt ${a.promptVersion} · schema ${a.schemaVersion}${a.analyzedAt ? html` · ${timeEl(a.analyzedAt, o.timeZone)}` : ''}</p>`
      : '';
  return html`<section class="analysis card" id="call-analysis" aria-label="Analysis" data-analysis-status="${a?.status ?? 'none'}">
  <h2>Analysis</h2>
  ${state}${result}${rerun}
</section>`;
}

export interface AnalyticsQuery {
  from?: string;
  to?: string;
  sentiment?: string;
  intent?: string;
  language?: string;
}

function bars(rows: [string, number][], total: number): SafeHtml {
  return html`<table class="bars"><tbody>${rows.map(
    ([k, n]) =>
      html`<tr><th scope="row">${words(k)}</th><td><meter min="0" max="${total}" value="${n}"></meter></td><td class="num">${n}</td></tr>`,
  )}</tbody></table>`;
}

function overTime(a: AnalysisAggregates, field: 'sentiment' | 'intent', keys: string[]): SafeHtml {
  if (!a.days.length) return html``;
  return html`<table class="list over-time"><thead><tr><th>Day</th>${keys.map((k) => html`<th>${words(k)}</th>`)}<th>All</th></tr></thead>
<tbody>${a.days.map(
    (d) =>
      html`<tr><td>${d.day}</td>${keys.map((k) => html`<td class="num">${d[field][k] ?? 0}</td>`)}<td class="num">${d.total}</td></tr>`,
  )}</tbody></table>`;
}

/** Calls per language, each named ("es" → Spanish), the tag in its title. */
function languageBars(rows: [string, number][], total: number): SafeHtml {
  return html`<table class="bars languages"><tbody>${rows.map(
    ([k, n]) =>
      html`<tr data-language="${k}"><th scope="row" title="${k}">${k === 'unknown' ? 'not reported' : languageName(k)}</th><td><meter min="0" max="${total}" value="${n}"></meter></td><td class="num">${n}</td></tr>`,
  )}</tbody></table>`;
}

/** The analytics page: filters, sentiment and intent over time, lead scores, the analysed calls, CSV. */
const percent = (r: number | null) => (r === null ? '—' : `${Math.round(r * 1000) / 10} %`);

/** The retrieval lanes side by side: resolution and hand-off rates over the analysed calls. */
function laneTable(lanes: readonly LaneRate[]): SafeHtml {
  if (!lanes.length) return html``;
  return html`<section class="card" aria-label="Retrieval lanes"><h2>Retrieval lanes</h2>
<table class="list lanes"><thead><tr><th>Lane</th><th>Analysed calls</th><th>Resolved</th><th>Handed off</th></tr></thead>
<tbody>${lanes.map(
    (l) =>
      html`<tr data-lane="${l.lane}"><td class="mono">${l.lane}</td><td class="num">${l.calls}</td><td class="num">${percent(l.resolutionRate)}</td><td class="num">${percent(l.handoffRate)}</td></tr>`,
  )}</tbody></table></section>`;
}

export function analyticsPage(o: {
  viewer: Viewer;
  query: AnalyticsQuery;
  aggregates?: AnalysisAggregates;
  /** Resolution and hand-off rates per retrieval lane (shown when calls searched through lanes). */
  lanes?: LaneRate[];
  page?: Page<AnalyzedConversation>;
  error?: string;
  nextHref?: string;
  csvHref: string;
  enabled: boolean;
}): SafeHtml {
  const q = o.query;
  const a = o.aggregates;
  const rows = o.page?.items ?? [];
  const sentimentKeys = a ? a.bySentiment.map(([k]) => k) : [];
  const intentKeys = a ? a.byIntent.slice(0, 6).map(([k]) => k) : [];
  return layout({
    title: 'Analytics',
    principal: o.viewer.principal,
    brandLabel: o.viewer.brandLabel,
    nav: 'analytics',
    body: html`<h1>Analytics</h1>
${o.enabled ? '' : html`<p class="muted card">Post-call analysis is off: set OPENAI_API_KEY (or OPENAI_BASE_URL) on app-server.</p>`}
<form class="filters card" method="get" action="/analytics">
  <label>From <input type="date" name="from" value="${q.from ?? ''}"></label>
  <label>To <input type="date" name="to" value="${q.to ?? ''}"></label>
  <label>Sentiment <select name="sentiment"><option value="">Any</option>${SENTIMENTS.map(
    (s) => html`<option value="${s}" ${s === q.sentiment ? html`selected` : ''}>${s}</option>`,
  )}</select></label>
  <label>Intent <input name="intent" placeholder="e.g. returns" value="${q.intent ?? ''}"></label>
  <label>Language <input name="language" size="6" placeholder="es" autocapitalize="none" spellcheck="false" value="${q.language ?? ''}"></label>
  <div class="filter-actions"><button type="submit" class="primary">Filter</button> <a href="/analytics">Clear</a> <a href="${o.csvHref}" download>Export CSV</a></div>
</form>
${o.error ? html`<p class="error" role="alert">${o.error}</p>` : ''}
${
  a
    ? html`<div class="columns analytics">
  <section class="card" aria-label="Sentiment"><h2>Sentiment</h2>${bars(a.bySentiment, a.total)}</section>
  <section class="card" aria-label="Intent"><h2>Intent</h2>${bars(a.byIntent, a.total)}</section>
  <section class="card" aria-label="Languages"><h2>Languages</h2>${languageBars(a.byLanguage, a.total)}</section>
  <section class="card" aria-label="Lead scores"><h2>Lead scores</h2>
    <p>Average <strong id="lead-average">${a.leadScore.average ?? '—'}</strong> over ${a.total} calls</p>
    ${bars(
      LEAD_BANDS.map((b, i) => [b, a.leadScore.bands[i] ?? 0]),
      a.total,
    )}</section>
</div>
<section class="card" aria-label="Sentiment over time"><h2>Sentiment over time</h2>${overTime(a, 'sentiment', sentimentKeys)}</section>
<section class="card" aria-label="Intent over time"><h2>Intent over time</h2>${overTime(a, 'intent', intentKeys)}</section>
${laneTable(o.lanes ?? [])}`
    : ''
}
${
  rows.length === 0 && !o.error
    ? html`<p class="empty card">No analysed calls match.</p>`
    : html`<table class="list analyses">
  <thead><tr><th>Started</th><th>Sentiment</th><th>Intent</th><th>Resolution</th><th>Lead score</th><th>Summary</th></tr></thead>
  <tbody>${rows.map(
    ({ conversation: c, analysis: x }) => html`<tr data-conversation-id="${c.id}">
    <td data-label="Started"><a class="row-link" href="/conversations/${c.id}">${timeEl(c.startedAt, o.viewer.timeZone)}</a></td>
    <td data-label="Sentiment">${sentimentBadge(x.sentiment)}</td>
    <td data-label="Intent">${words(x.intent)}</td>
    <td data-label="Resolution">${words(x.resolution)}</td>
    <td data-label="Lead score" class="num">${x.leadScore ?? '—'}</td>
    <td data-label="Summary">${x.summary}</td>
  </tr>`,
  )}</tbody>
</table>`
}
${o.nextHref ? html`<p class="pager"><a href="${o.nextHref}">Older calls →</a></p>` : ''}`,
  });
}
