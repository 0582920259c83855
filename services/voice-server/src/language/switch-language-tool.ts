import type { ToolHandler } from '../tools/types.ts';
import type { CallLanguage } from './call-language.ts';
import { namesOf } from './languages.ts';

export const SWITCH_LANGUAGE_TOOL = 'switch_language';

/**
 * The model's way to switch the call's language when the caller asks for another one ("¿habla
 * español?"). Always among the call's tools, also on a profile that serves one language: the tool's
 * answer is then what tells the model to offer a transfer or a callback. Its description lists the
 * languages served.
 */
export function switchLanguageTool(language: CallLanguage): ToolHandler {
  const served = language.languages;
  const tags = served.map((l) => `${l.name} (${l.tag})`).join(', ');
  return {
    schema: {
      type: 'function',
      name: SWITCH_LANGUAGE_TOOL,
      description:
        `Switch the conversation to another language when the caller asks for one or speaks one. This line serves ${tags}. ` +
        `For any other language it tells you what to offer instead. ${served.length > 1 ? `Speak ${namesOf(served)} only.` : ''}`.trim(),
      parameters: {
        type: 'object',
        properties: {
          language: {
            type: 'string',
            minLength: 2,
            maxLength: 40,
            description: 'The language: a BCP 47 tag ("es") or its name ("Spanish").',
          },
        },
        required: ['language'],
        additionalProperties: false,
      },
    },
    timeoutMs: 2_000,
    run: async (args) => {
      const outcome = language.ask(args.language);
      if (outcome.ok && outcome.status === 'switched')
        return {
          output: { ...outcome, instruction: 'Continue the conversation in the new language.' },
        };
      return { output: outcome };
    },
  };
}
