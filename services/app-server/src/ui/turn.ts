import type { Message } from '../domain/types.ts';
import { prettyJson, timeEl } from './format.ts';
import { html, type SafeHtml } from './html.ts';
import { languageSwitchText } from './language-view.ts';

const ROLE_LABEL: Record<Message['role'], string> = {
  caller: 'Caller',
  agent: 'Agent',
  tool: 'Tool',
  system: 'System',
};

/** Latency bars are drawn against this span, or the turn's own total when longer. */
const WATERFALL_SCALE_MS = 2_000;

/**
 * An interrupted answer split where the caller stopped hearing it: `heard` as sent, `rest` the part
 * of the full text after it. Undefined when the heard text is not the start of the full one (ignoring
 * differences in spacing), so the UI shows both whole instead of guessing.
 */
export function splitHeard(text: string, heard: string): { heard: string; rest: string } | undefined {
  let i = 0;
  let j = 0;
  while (j < heard.length) {
    if (/\s/.test(heard[j]!)) {
      j++;
      continue;
    }
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (text[i] !== heard[j]) return undefined;
    i++;
    j++;
  }
  return { heard: text.slice(0, i), rest: text.slice(i) };
}

/** A bar segment's width class (w0 … w100 in steps of 5: the page's CSP allows no inline styles). */
function widthClass(ms: number, scaleMs: number): string {
  return `w${Math.min(100, Math.max(ms > 0 ? 5 : 0, Math.round((ms / scaleMs) * 20) * 5))}`;
}

/**
 * An agent turn's latency waterfall from the caller's end of speech: to the model's first audio, then
 * to the first frame sent to Twilio. With only voice-server's overall figure, one bar.
 */
export function waterfall(m: Message): SafeHtml {
  const steps: { label: string; atMs: number; cls: string }[] = [];
  if (m.firstAudioMs !== null)
    steps.push({ label: 'model first audio', atMs: m.firstAudioMs, cls: 'wf-model' });
  if (m.firstFrameMs !== null)
    steps.push({ label: 'first frame to Twilio', atMs: m.firstFrameMs, cls: 'wf-out' });
  if (!steps.length && m.responseMs !== null)
    steps.push({ label: 'reply', atMs: m.responseMs, cls: 'wf-reply' });
  if (!steps.length) return html``;
  steps.sort((a, b) => a.atMs - b.atMs);
  const total = steps.at(-1)!.atMs;
  const scale = Math.max(WATERFALL_SCALE_MS, total);
  let before = 0;
  const segments = steps.map((s) => {
    const span = Math.max(0, s.atMs - before);
    const from = before;
    before = Math.max(before, s.atMs);
    return html`<span class="wf-seg ${s.cls} ${widthClass(span, scale)}" title="${from ? `+${span} ms` : `${span} ms`}: ${s.label}"></span>`;
  });
  const text = `speech stopped → ${steps.map((s) => `${s.label} ${s.atMs} ms`).join(' → ')}`;
  return html`<div class="waterfall" data-reply-ms="${total}">
    <span class="latency" title="From the caller's end of speech">reply ${total} ms</span>
    <span class="wf-bar" aria-hidden="true">${segments}</span>
    <span class="wf-steps">${text}</span>
  </div>`;
}

function agentText(m: Message): SafeHtml {
  if (m.text === null) return html`<p class="text muted">(no transcript)</p>`;
  if (!m.interrupted) return html`<p class="text">${m.text}</p>`;
  const split = m.heardText !== null ? splitHeard(m.text, m.heardText) : undefined;
  if (split)
    return html`<p class="text"><span class="heard">${split.heard}</span>${split.rest ? html`<del class="unheard" title="Not heard: the caller spoke over it">${split.rest}</del>` : ''}</p>`;
  if (m.heardText !== null)
    return html`<p class="text"><span class="heard">${m.heardText}</span></p>
  <p class="text unheard-whole"><span class="muted">The whole answer was: </span><del class="unheard">${m.text}</del></p>`;
  return html`<p class="text">${m.text}</p>
  <p class="muted heard-unknown">How much of this the caller heard before interrupting is not known.</p>`;
}

const TRANSCRIBER_LABEL: Record<NonNullable<Message['transcriber']>, string> = {
  cartesia: 'Cartesia',
  elevenlabs: 'ElevenLabs Scribe',
};

function callerText(m: Message): SafeHtml {
  if (m.text !== null) {
    const other =
      m.transcriber &&
      m.source !== 'transcriber' &&
      m.transcriberText !== null &&
      m.transcriberText !== m.text
        ? html`<p class="muted transcriber-text" title="The same turn as ${TRANSCRIBER_LABEL[m.transcriber]} transcribed it">${TRANSCRIBER_LABEL[m.transcriber]}: ${m.transcriberText}</p>`
        : '';
    return html`<p class="text">${m.text}</p>${other}`;
  }
  if (m.transcription === 'failed')
    return html`<p class="text muted not-transcribed" title="The transcription could not make out the caller's words">(not transcribed)</p>`;
  return html`<p class="text muted">(no transcript)</p>`;
}

function toolCall(m: Message): SafeHtml {
  return html`<div class="tool">
    <div class="tool-call"><span class="tool-name">${m.toolName ?? m.text ?? 'tool'}</span>${m.responseMs !== null ? html` <span class="tool-took">took ${m.responseMs} ms</span>` : ''}</div>
    <div class="tool-io">
      <div class="tool-part"><span class="tool-label">Arguments</span><pre class="tool-args">${m.toolArguments !== null ? prettyJson(m.toolArguments) : '(none)'}</pre></div>
      <div class="tool-part"><span class="tool-label">Result</span><pre class="tool-result">${m.toolResult !== null ? prettyJson(m.toolResult) : '(none yet)'}</pre></div>
    </div>
  </div>`;
}

/** One transcript turn (`<li>`), as the page and the live stream both render it, times in `timeZone`. */
export function messageItem(m: Message, timeZone: string): SafeHtml {
  const isTool = m.role === 'tool' || m.toolName !== null;
  const bargeIn = m.role === 'agent' && m.interrupted;
  const body = m.languageSwitch
    ? languageSwitchText(m.languageSwitch)
    : isTool
      ? html`${toolCall(m)}${m.text !== null && m.text !== m.toolName ? html`<p class="text">${m.text}</p>` : ''}`
      : m.role === 'agent'
        ? agentText(m)
        : m.role === 'caller'
          ? callerText(m)
          : m.handoff
            ? html`<p class="text handoff">Handed from <strong>${m.handoff.from}</strong> to <strong>${m.handoff.to}</strong>: ${m.handoff.reason}</p>`
            : html`<p class="text">${m.text ?? ''}</p>`;
  return html`<li class="msg msg-${m.role}${bargeIn ? ' msg-interrupted' : ''}" id="msg-${m.sequence}" data-order="${m.sequence}" data-v="${m.updatedAt.getTime()}">
  <div class="msg-meta">
    <span class="speaker">${ROLE_LABEL[m.role]}</span>
    ${timeEl(m.startedAt, timeZone)}
    ${
      m.source === 'transcriber' && m.transcriber
        ? html`<span class="tag" title="The Realtime transcript of this turn was empty or failed">transcribed by ${TRANSCRIBER_LABEL[m.transcriber]}</span>`
        : m.source !== 'realtime' && m.source !== m.role
          ? html`<span class="tag">${m.source}</span>`
          : ''
    }
    ${bargeIn ? html`<span class="tag tag-warn" title="The caller spoke over this answer">interrupted</span>` : ''}
    ${m.transcription === 'failed' && m.text === null ? html`<span class="tag tag-warn">not transcribed</span>` : ''}
    ${m.sanitized.length ? html`<span class="tag tag-warn" title="Stored repaired: ${m.sanitized.join('; ')}">repaired</span>` : ''}
  </div>
  ${body}
  ${m.role === 'agent' ? waterfall(m) : ''}
  ${bargeIn ? html`<p class="barge-in" role="note">Caller barged in${m.heardText !== null ? ' here' : ''}: the rest of this answer was not heard.</p>` : ''}
</li>`;
}
