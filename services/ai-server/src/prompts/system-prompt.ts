import { describeHours, describeWeek, type HoursStatus, type WeeklyHours } from './business-hours.ts';

/** Placeholders a prompt template may use, as `{{name}}`. */
export const TEMPLATE_PLACEHOLDERS = [
  'company_context',
  'source',
  'caller_number',
  'caller_channel',
  'business_hours',
  'hours_status',
  'weekly_hours',
  'local_time',
  'timezone',
  'next_opening',
  'language',
  'profile_name',
] as const;
export type TemplatePlaceholder = (typeof TEMPLATE_PLACEHOLDERS)[number];

const PLACEHOLDER = /\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g;

/** Placeholders in `template` that are not in {@link TEMPLATE_PLACEHOLDERS}. */
export function unknownPlaceholders(template: string): string[] {
  const known = new Set<string>(TEMPLATE_PLACEHOLDERS);
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1]!))].filter((n) => !known.has(n));
}

export interface PromptContext {
  template: string;
  companyContext: string;
  profileName: string;
  language: string;
  callerNumber: string;
  isSip: boolean;
  hours: HoursStatus;
  weeklyHours: WeeklyHours;
}

/**
 * The system prompt for one call: the template with its placeholders filled, then a "Call context"
 * section carrying whatever of company context, source, caller and business hours the template did
 * not place itself, so the model always has them.
 */
export function renderSystemPrompt(ctx: PromptContext): string {
  const channel = ctx.isSip ? 'SIP' : 'PSTN';
  const values: Record<TemplatePlaceholder, string> = {
    company_context: ctx.companyContext,
    source: 'PHONE',
    caller_number: ctx.callerNumber || 'unknown',
    caller_channel: channel,
    business_hours: describeHours(ctx.hours),
    hours_status: ctx.hours.open ? 'open' : 'closed',
    weekly_hours: describeWeek(ctx.weeklyHours),
    local_time: `${ctx.hours.localTime} (${ctx.hours.localDate})`,
    timezone: ctx.hours.timezone,
    next_opening: ctx.hours.nextOpening?.local ?? (ctx.hours.open ? 'now' : 'none scheduled'),
    language: ctx.language,
    profile_name: ctx.profileName,
  };
  const used = new Set<string>();
  const body = ctx.template.replace(PLACEHOLDER, (whole, name: string) => {
    if (!(name in values)) return whole;
    used.add(name);
    return values[name as TemplatePlaceholder];
  });

  const extra: string[] = [];
  if (!used.has('source')) extra.push('- Source: PHONE');
  if (!used.has('caller_number') && !used.has('caller_channel'))
    extra.push(`- Caller: ${values.caller_number} (${channel})`);
  if (!used.has('business_hours') && !used.has('hours_status')) {
    extra.push(`- Business hours: ${values.business_hours}`);
    extra.push(`- Weekly schedule: ${values.weekly_hours}`);
  }
  if (!used.has('company_context') && ctx.companyContext.trim())
    extra.push(`- Company context:\n${ctx.companyContext.trim()}`);
  return extra.length ? `${body.trimEnd()}\n\n# Call context\n${extra.join('\n')}\n` : body;
}
