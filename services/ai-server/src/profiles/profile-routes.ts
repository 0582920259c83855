import type { ProfileLookupQuery } from '@switchboard/service-kit/clients/ai-server';
import type { FastifyPluginAsync } from 'fastify';
import type { FeatureOptions } from '../context.ts';
import { AiErrors } from '../errors.ts';
import { adminDoc, adminScope, internalDoc, internalScope } from '../route-helpers.ts';
import {
  adminProfileResponse,
  profileDtoResponse,
  profileListResponse,
  profileSummaryResponse,
} from './profile-responses.ts';
import {
  createProfileBody,
  profileKeyParams,
  profileRefParams,
  updateProfileBody,
} from './profile-schema.ts';
import {
  type CreateProfileInput,
  type ProfileInput,
  toAdminProfileDto,
  toProfileDto,
} from './profile-store.ts';

type KeyParams = { key: string };

/** Bot profiles: the brand admin CRUD, and lookup/read for voice-server. */
export const profilesPlugin: FastifyPluginAsync<FeatureOptions> = async (app, { ctx }) => {
  adminScope(app, ctx, (admin) => {
    admin.get(
      '/admin/profiles',
      {
        schema: {
          ...adminDoc('profiles', "List the brand's bot profiles"),
          response: { 200: profileListResponse },
        },
      },
      async (req) => ({
        profiles: (await ctx.profiles.list(req.brandId)).map(toAdminProfileDto),
      }),
    );

    admin.post<{ Body: CreateProfileInput }>(
      '/admin/profiles',
      {
        schema: {
          ...adminDoc('profiles', 'Create a bot profile'),
          body: createProfileBody,
          response: { 201: adminProfileResponse },
        },
      },
      async (req, reply) => {
        const created = await ctx.profiles.create(req.brandId, req.body);
        return reply.status(201).send(toAdminProfileDto(created));
      },
    );

    admin.get<{ Params: KeyParams }>(
      '/admin/profiles/:key',
      {
        schema: {
          ...adminDoc('profiles', 'Read a bot profile'),
          params: profileKeyParams,
          response: { 200: adminProfileResponse },
        },
      },
      async (req) => toAdminProfileDto(await ctx.profiles.getForBrand(req.brandId, req.params.key)),
    );

    admin.patch<{ Params: KeyParams; Body: ProfileInput }>(
      '/admin/profiles/:key',
      {
        schema: {
          ...adminDoc('profiles', 'Change a bot profile'),
          params: profileKeyParams,
          body: updateProfileBody,
          response: { 200: adminProfileResponse },
        },
      },
      async (req) => toAdminProfileDto(await ctx.profiles.update(req.brandId, req.params.key, req.body)),
    );

    admin.delete<{ Params: KeyParams }>(
      '/admin/profiles/:key',
      {
        schema: {
          ...adminDoc('profiles', 'Delete a bot profile (its tools and debits go with it)'),
          params: profileKeyParams,
        },
      },
      async (req, reply) => {
        await ctx.profiles.delete(req.brandId, req.params.key);
        return reply.status(204).send();
      },
    );
  });

  internalScope(app, ctx, (internal) => {
    // POST, not GET: the dialled number must not land in access logs with the query string.
    internal.post<{ Body: ProfileLookupQuery }>(
      '/internal/profiles/lookup',
      {
        schema: {
          ...internalDoc(
            'call path',
            'Find the profile answering a call (SIP domain, then To, then application SID)',
          ),
          body: {
            type: 'object',
            additionalProperties: false,
            properties: {
              sipDomain: { type: 'string', maxLength: 253 },
              to: { type: 'string', maxLength: 300 },
              applicationSid: { type: 'string', maxLength: 64 },
            },
          },
          response: { 200: profileSummaryResponse },
        },
      },
      async (req) => {
        const found = await ctx.profiles.lookup(req.body);
        ctx.metrics.profileLookups.inc({ kind: 'lookup', outcome: found ? 'found' : 'not_found' });
        if (!found) throw AiErrors.profileNotFound('no profile answers these call parameters');
        return found;
      },
    );

    internal.get<{ Params: KeyParams }>(
      '/internal/profiles/:key',
      {
        schema: {
          ...internalDoc('call path', 'A profile as a call needs it'),
          params: profileRefParams,
          response: { 200: profileDtoResponse },
        },
      },
      async (req) => {
        const profile = await ctx.profiles.getByRef(req.params.key).catch((err: unknown) => {
          ctx.metrics.profileLookups.inc({ kind: 'get', outcome: 'not_found' });
          throw err;
        });
        ctx.metrics.profileLookups.inc({ kind: 'get', outcome: 'found' });
        return toProfileDto(profile);
      },
    );
  });
};
