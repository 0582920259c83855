/**
 * Realtime client secrets for apps that talk to OpenAI directly (WebRTC or WebSocket), without an
 * OpenAI key of their own: `POST /v1/realtime/client-secrets` answers a short-lived `ek_…` secret
 * bound to a profile's instructions, voice and tools, for a brand API key or an end-user token the
 * brand's backend signed (end-user-token.ts). The secret is passed through, never logged or stored.
 */
import { bearerToken, Errors } from '@switchboard/service-kit';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { BotProfile } from '../../generated/prisma/client.ts';
import { API_KEY_PREFIX, hashApiKey } from '../admin/brand-auth.ts';
import type { AppContext, FeatureOptions } from '../context.ts';
import { AiErrors } from '../errors.ts';
import { PROFILE_KEY_PATTERN } from '../profiles/profile-schema.ts';
import { currentVoice } from '../profiles/stored-voice.ts';
import { buildSystemPrompt } from '../prompts/prompt-routes.ts';
import { toRealtimeTool } from '../tools/tool-routes.ts';
import { MintFailed, type MintRequest } from './client-secret-minter.ts';
import { clientSecretResponse } from './client-secret-responses.ts';
import { tokenProblem, unverifiedClaims } from './end-user-token.ts';

const body = {
  type: 'object',
  additionalProperties: false,
  properties: {
    /** Required with a brand API key; with an end-user token, the token's profile (repeat it or leave it out). */
    profile: { type: 'string', pattern: PROFILE_KEY_PATTERN },
  },
} as const;

interface Caller {
  brandId: string;
  /** The profile an end-user token is bound to. */
  tokenProfile?: string;
}

/** The brand behind the bearer credential: a brand API key, or an end-user token its secret signed. */
async function authenticate(ctx: AppContext, req: FastifyRequest): Promise<Caller> {
  const credential = bearerToken(req);
  if (!credential) throw Errors.unauthorized('missing bearer token (a brand API key or an end-user token)');
  if (credential.startsWith(API_KEY_PREFIX)) {
    const found = await ctx.prisma.brandApiKey.findUnique({
      where: { keyHash: hashApiKey(credential) },
      select: { brandId: true, revokedAt: true },
    });
    if (!found || found.revokedAt) throw AiErrors.invalidApiKey('unknown or revoked API key');
    return { brandId: found.brandId };
  }
  const claims = unverifiedClaims(credential);
  if (!claims) throw AiErrors.invalidClientToken('not a brand API key or an end-user token');
  const brand = await ctx.prisma.brand.findUnique({
    where: { id: claims.brand },
    select: { clientTokenSecret: true },
  });
  // One answer for an unknown brand and a brand without a secret: nothing to probe.
  if (!brand?.clientTokenSecret) throw AiErrors.invalidClientToken('end-user token signature does not match');
  const problem = tokenProblem(credential, brand.clientTokenSecret, Math.floor(ctx.now().getTime() / 1000));
  if (problem) throw AiErrors.invalidClientToken(problem);
  return { brandId: claims.brand, tokenProfile: claims.profile };
}

/** The session a secret is bound to: the profile's prompt, its OpenAI voice and its enabled tools. */
async function sessionFor(
  ctx: AppContext,
  profile: BotProfile,
  model: string,
): Promise<MintRequest['session']> {
  const voice = currentVoice(profile.voice);
  if (voice.provider !== 'openai')
    throw AiErrors.voiceNotRealtime(
      `profile ${profile.key} speaks with an ${voice.provider} voice; a direct Realtime connection speaks with OpenAI voices only`,
    );
  const tools = await ctx.prisma.dynamicTool.findMany({
    where: { profileId: profile.id, enabled: true },
    orderBy: { name: 'asc' },
  });
  const { instructions } = buildSystemPrompt(ctx, profile, {
    callerNumber: '',
    isSip: false,
    callSid: 'app',
  });
  return {
    type: 'realtime',
    model,
    instructions,
    audio: { output: { voice: voice.voiceId, ...(voice.speed !== undefined ? { speed: voice.speed } : {}) } },
    tools: tools.map(toRealtimeTool),
  };
}

export const clientSecretsPlugin: FastifyPluginAsync<FeatureOptions> = async (app, { ctx }) => {
  app.post<{ Body: { profile?: string } }>(
    '/v1/realtime/client-secrets',
    {
      schema: {
        tags: ['realtime'],
        summary: "A short-lived Realtime client secret bound to a profile's instructions, voice and tools",
        security: [{ brandApiKey: [] }, { endUserToken: [] }],
        body,
        response: { 200: clientSecretResponse },
      },
    },
    async (req: FastifyRequest<{ Body: { profile?: string } }>, reply: FastifyReply) => {
      const caller = await authenticate(ctx, req);
      const asked = req.body?.profile;
      if (caller.tokenProfile !== undefined && asked !== undefined && asked !== caller.tokenProfile)
        throw AiErrors.invalidClientToken('body.profile is not the profile the end-user token names');
      const key = caller.tokenProfile ?? asked;
      if (key === undefined) throw Errors.badRequest('body.profile is required with a brand API key');
      const minter = ctx.realtime.minter;
      if (!minter) throw AiErrors.realtimeUnavailable('client secrets need OPENAI_API_KEY on ai-server');
      const profile = await ctx.profiles.getForBrand(caller.brandId, key);
      const place = ctx.realtime.rateLimit.take(caller.brandId);
      if (!place.ok) {
        reply.header('retry-after', String(place.retryAfterSec));
        throw AiErrors.clientSecretRateLimit(
          `rate limit: at most ${ctx.realtime.perMinute} client secrets a minute per brand; try again in ${place.retryAfterSec} s`,
          { retryAfterSec: place.retryAfterSec },
        );
      }
      const session = await sessionFor(ctx, profile, ctx.realtime.model);
      const ttlSec = profile.clientSecretTtlSec;
      let minted: Awaited<ReturnType<typeof minter.mint>>;
      try {
        minted = await minter.mint({ ttlSec, session });
      } catch (err) {
        // The provider's text stays out of the answer and the log; the status says enough.
        if (err instanceof MintFailed) throw AiErrors.realtimeRefused(err.message);
        throw err;
      }
      req.log.info(
        { profile: profile.key, brandId: caller.brandId, ttlSec },
        'realtime client secret minted',
      );
      reply.header('cache-control', 'no-store');
      return {
        value: minted.value,
        expiresAt: minted.expiresAt,
        model: ctx.realtime.model,
        profile: key,
        ttlSec,
      };
    },
  );
};
