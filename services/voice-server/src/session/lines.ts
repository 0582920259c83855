import type { CallLanguageSpec } from '../language/languages.ts';
import type { CallProfile } from '../ports/ai-server.ts';
import type { EndReason } from './call-types.ts';
import { watchdogLine } from './watchdog.ts';

/** What the caller hears from the platform itself when a call cannot go on (spoken by Twilio). */
export const APOLOGIES: Record<string, string> = {
  no_credits: 'Sorry, this line is not available right now. Please try again later. Goodbye.',
  default: 'Sorry, we are having trouble connecting your call. Please try again later. Goodbye.',
};
export const DROP_TRANSFER = 'Sorry, we are having technical trouble. Let me connect you with a colleague.';
export const DROP_CALLBACK =
  'Sorry, we are having technical trouble. A colleague will call you back shortly at this number. Goodbye.';

/** Instructions for the model's goodbye when the platform ends the call. */
const GOODBYES: Partial<Record<EndReason, string>> = {
  max_duration:
    'Say, briefly and warmly, that the call has reached its time limit, thank the caller, and say goodbye.',
  shutdown:
    'Say, briefly, that you have to end the call now, that they can call back any time, and say goodbye.',
  no_credits:
    'Say, briefly and warmly, that you have to end the call now, thank the caller, and say goodbye.',
  staff_ended:
    'Say, briefly and warmly, that you have to end the call now, thank the caller, and say goodbye.',
};

export const RESUME_AFTER_DROP =
  'The line dropped for a moment. Apologize in a few words and continue the conversation where it left off.';

export const WRAP_UP_NOTE =
  'This call is about to reach its time limit. Wrap up politely within the next minute: resolve or ' +
  'summarize, offer a callback if something is still open, and say goodbye.';

/** The goodbye instructions for a call the platform ends for `reason`, in the call's language. */
export function goodbyeFor(reason: EndReason, language?: CallLanguageSpec | string): string {
  const own = typeof language === 'object' ? language.lines?.goodbye : undefined;
  if (own) return sayExactly(own);
  const asked = GOODBYES[reason];
  if (!asked) return watchdogLine('goodbye', language);
  return typeof language === 'object' ? inLanguage(asked, language) : asked;
}

/** A line of the product's own the model is asked to say exactly. */
export function sayExactly(line: string): string {
  return `Say exactly this, and nothing else: "${line.replace(/"/g, "'")}"`;
}

/** Instructions written in English, with the language to say it in. */
function inLanguage(instructions: string, language: CallLanguageSpec): string {
  return language.base === 'en' ? instructions : `${instructions} Say it in ${language.name}.`;
}

/** The wrap-up note before the time limit, in the call's language. */
export function wrapUpNote(language?: CallLanguageSpec): string {
  const own = language?.lines?.wrapUp;
  if (own) return `${WRAP_UP_NOTE} Say it with these words: "${own.replace(/"/g, "'")}"`;
  return language && language.base !== 'en' ? `${WRAP_UP_NOTE} Speak ${language.name}.` : WRAP_UP_NOTE;
}

/** The first response of the call: the profile's greeting, word for word (or a greeting of the model's). */
export function greetingLine(profile: CallProfile | undefined): string {
  if (profile?.opening) return profile.opening;
  const greeting = profile?.languages?.[0]?.greeting || profile?.greeting;
  if (!greeting) return 'Greet the caller briefly and ask how you can help.';
  return `Greet the caller now, saying: "${greeting.replace(/"/g, "'")}"`;
}

/** Asked of the model after a response failed twice: never leave the caller in silence. */
export const AFTER_FAILED_RESPONSE =
  'Apologize in a few words that you did not catch that, and ask the caller to say it again.';

/** Asked of the model after the content filter cut its answer short: never leave the caller in silence. */
export const AFTER_CONTENT_FILTER =
  'Your last answer was cut off. Say in a few words that you cannot help with that on this call, and ask ' +
  'how else you can help.';

/** A note to the model after a call action (transfer, hang-up) failed. */
export function actionFailedNote(toolName: string, message: string): string {
  return (
    `The ${toolName} action failed (${message.slice(0, 120)}). Apologize to the caller ` +
    'and offer to arrange a callback from a colleague instead.'
  );
}

/** Asked of the model after the brand's voice failed mid-answer: the caller missed some of it. */
export const REPEAT_AFTER_VOICE_FAILURE =
  'The caller could not hear the end of your last answer because of a technical problem. Apologize in ' +
  'a few words and say the rest of it again, briefly.';

/** Kept on the conversation when the brand's voice failed and the model's own took over. */
export const VOICE_FELL_BACK_NOTE =
  "The brand's voice (external text-to-speech) failed; the rest of the call used the model's own voice.";

/** The outage filler, when the brand's voice speaks it (the recorded one says the same). */
export const FILLER_LINE = 'One moment, please.';
