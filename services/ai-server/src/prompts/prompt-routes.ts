import type { SystemPromptRequest, SystemPromptResponse } from '@switchboard/service-kit/clients/ai-server';
import type { FastifyPluginAsync } from 'fastify';
import type { BotProfile } from '../../generated/prisma/client.ts';
import type { AppContext, FeatureOptions } from '../context.ts';
import { outboundInstructions, outboundSetup } from '../outbound/outbound-prompt.ts';
import { profileKeyParams, profileRefParams } from '../profiles/profile-schema.ts';
import { adminDoc, adminScope, internalDoc, internalScope } from '../route-helpers.ts';
import { evaluateBusinessHours, type Holiday, type WeeklyHours } from './business-hours.ts';
import { promptPreviewResponse, systemPromptResponse } from './prompt-responses.ts';
import { renderSystemPrompt } from './system-prompt.ts';

const promptBody = {
  type: 'object',
  additionalProperties: false,
  required: ['callerNumber', 'isSip', 'callSid'],
  properties: {
    callerNumber: { type: 'string', maxLength: 300 },
    isSip: { type: 'boolean' },
    callSid: { type: 'string', minLength: 1, maxLength: 64 },
  },
} as const;

/** The system prompt of `profile` for one call, with business hours evaluated at the context's clock. */
export function buildSystemPrompt(
  ctx: AppContext,
  profile: BotProfile,
  req: SystemPromptRequest,
): SystemPromptResponse {
  const weeklyHours = profile.businessHours as unknown as WeeklyHours;
  const hours = evaluateBusinessHours(
    weeklyHours,
    profile.holidays as unknown as Holiday[],
    profile.timezone,
    ctx.now(),
  );
  const instructions = renderSystemPrompt({
    template: profile.promptTemplate,
    companyContext: profile.companyContext,
    profileName: profile.name,
    language: profile.language,
    callerNumber: req.callerNumber,
    isSip: req.isSip,
    hours,
    weeklyHours,
  });
  return { instructions, businessHours: hours };
}

/** System prompts: for a live call (service token) and as a preview for the brand. */
export const promptsPlugin: FastifyPluginAsync<FeatureOptions> = async (app, { ctx }) => {
  internalScope(app, ctx, (internal) => {
    internal.post<{ Params: { key: string }; Body: SystemPromptRequest }>(
      '/internal/profiles/:key/system-prompt',
      {
        schema: {
          ...internalDoc(
            'call path',
            "The call's system prompt: template, company context, caller, business hours now",
          ),
          params: profileRefParams,
          body: promptBody,
          response: { 200: systemPromptResponse },
        },
      },
      async (req) => {
        const profile = await ctx.profiles.getByRef(req.params.key);
        const prompt = buildSystemPrompt(ctx, profile, req.body);
        // A call the brand asked the agent to place: its task joins the prompt, its outcome tool the session.
        const outbound = await ctx.prisma.outboundCall.findUnique({ where: { callSid: req.body.callSid } });
        if (!outbound || outbound.profileId !== profile.id) return prompt;
        const input = {
          id: outbound.id,
          task: outbound.task,
          context: outbound.context as Record<string, unknown>,
          outcomeSchema: outbound.outcomeSchema as Record<string, unknown> | null,
        };
        return {
          ...prompt,
          instructions: prompt.instructions + outboundInstructions(input),
          outbound: outboundSetup(input),
        };
      },
    );
  });

  adminScope(app, ctx, (admin) => {
    admin.post<{ Params: { key: string }; Body: SystemPromptRequest }>(
      '/admin/profiles/:key/system-prompt/preview',
      {
        schema: {
          ...adminDoc('profiles', 'Preview the system prompt a call would get now'),
          params: profileKeyParams,
          body: promptBody,
          response: { 200: promptPreviewResponse },
        },
      },
      async (req) =>
        buildSystemPrompt(ctx, await ctx.profiles.getForBrand(req.brandId, req.params.key), req.body),
    );
  });
};
