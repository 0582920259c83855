import { languageName } from '../domain/languages.ts';
import type { LanguageSwitch } from '../domain/types.ts';
import { html, type SafeHtml } from './html.ts';

/** A call's languages in words: "English, Spanish"; empty when none is known. */
export function languagesText(tags: readonly string[]): string {
  return tags.map(languageName).join(', ');
}

/** A language tag shown by name, the tag itself in its title. */
const named = (tag: string): SafeHtml => html`<strong title="${tag}">${languageName(tag)}</strong>`;

/**
 * A language message's body: "Language: English → Spanish · detected (0.93)", or a request for a
 * language the profile does not serve.
 */
export function languageSwitchText(s: LanguageSwitch): SafeHtml {
  if (!s.served)
    return html`<p class="text language language-unserved">Caller asked for ${named(s.to)}, not served: offered a transfer or a callback</p>`;
  const confidence = s.confidence !== undefined ? ` (${s.confidence.toFixed(2)})` : '';
  return html`<p class="text language">Language: ${named(s.from)} → ${named(s.to)} · ${s.how}${confidence}</p>`;
}

/** The list's language cell: the call's languages by tag, each named in its title. */
export function languageBadges(tags: readonly string[]): SafeHtml | string {
  if (!tags.length) return '';
  return html`${tags.map((t) => html`<span class="tag lang" title="${languageName(t)}">${t}</span> `)}`;
}
