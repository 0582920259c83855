/**
 * A knowledge search in the call's language: only that language's articles are searched, and when
 * nothing relevant answers, the profile's first language is searched instead (`languageFellBack`).
 */
import { primarySubtag } from '../languages/language-tags.ts';
import { languagesOf } from '../profiles/profile-languages.ts';
import type { SearchResponse } from './search.ts';

/** The language a profile's knowledge is in first: its first language's knowledge language. */
export function knowledgeLanguageOf(profile: { language: string; languages?: unknown }): string {
  const first = languagesOf(profile.languages)?.[0];
  return first ? (first.knowledgeLanguage ?? primarySubtag(first.tag)) : primarySubtag(profile.language);
}

/**
 * Runs `search` in `asked` (a tag or subtag; none: every article, as before languages), then in
 * `first` when the asked language had nothing relevant and is not the first one.
 */
export async function searchInLanguage<R extends SearchResponse>(
  search: (language: string | undefined) => Promise<R>,
  asked: string | undefined,
  first: string | undefined,
): Promise<{ res: R; language?: string; languageFellBack: boolean }> {
  const language = asked === undefined ? undefined : primarySubtag(asked);
  const res = await search(language);
  if (language === undefined || !res.noAnswer || first === undefined || first === language)
    return { res, language, languageFellBack: false };
  const again = await search(first);
  return {
    res: { ...again, warnings: [...res.warnings, ...again.warnings] },
    language: first,
    languageFellBack: true,
  };
}
