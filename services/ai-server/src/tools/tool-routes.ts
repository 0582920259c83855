import type {
  ExecuteToolRequest,
  ExecuteToolResult,
  RealtimeFunctionToolSchema,
} from '@switchboard/service-kit/clients/ai-server';
import type { FastifyPluginAsync } from 'fastify';
import type { DynamicTool, Prisma } from '../../generated/prisma/client.ts';
import type { AppContext, FeatureOptions } from '../context.ts';
import { AiErrors } from '../errors.ts';
import { OUTCOME_TOOL_NAME } from '../outbound/outbound-prompt.ts';
import { recordOutcome } from '../outbound/outcome.ts';
import { PROFILE_KEY_PATTERN, PROFILE_REF_PATTERN, profileKeyParams } from '../profiles/profile-schema.ts';
import { adminDoc, adminScope, internalDoc, internalScope } from '../route-helpers.ts';
import {
  executeToolResponse,
  realtimeToolsResponse,
  toolListResponse,
  toolResponse,
} from './tool-responses.ts';

/** Names voice-server's own tools use; a dynamic tool may not shadow them. */
export const RESERVED_TOOL_NAMES = new Set([
  'get_knowledge',
  'create_callback_ticket',
  'search_knowledge_base',
  'transfer_call',
  'transfer_to_human',
  'end_call',
  'hang_up',
  'schedule_callback',
  // The call's language (voice-server's language/switch-language-tool.ts).
  'switch_language',
  // An outbound call's outcome (ai-server runs it; see outbound/outcome.ts).
  'record_call_outcome',
]);

const TOOL_NAME_PATTERN = '^[a-zA-Z0-9_-]{1,64}$';
const HEADER_NAME_PATTERN = "^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$";

const toolFields = {
  description: { type: 'string', minLength: 1, maxLength: 1024 },
  parameters: { type: 'object' },
  endpointUrl: { type: 'string', minLength: 1, maxLength: 2048 },
  timeoutMs: { type: 'integer', minimum: 100 },
  secretHeaderName: { type: ['string', 'null'], pattern: HEADER_NAME_PATTERN },
  secretHeaderValue: { type: ['string', 'null'], minLength: 1, maxLength: 4096 },
  enabled: { type: 'boolean' },
} as const;

const toolParams = {
  type: 'object',
  required: ['key', 'name'],
  properties: {
    key: { type: 'string', pattern: PROFILE_KEY_PATTERN },
    name: { type: 'string', pattern: TOOL_NAME_PATTERN },
  },
} as const;

interface ToolInput {
  name?: string;
  description?: string;
  parameters?: Record<string, unknown>;
  endpointUrl?: string;
  timeoutMs?: number;
  secretHeaderName?: string | null;
  secretHeaderValue?: string | null;
  enabled?: boolean;
}

/** The admin view: the secret's value never leaves the server. */
function toToolDto(t: DynamicTool) {
  return {
    name: t.name,
    description: t.description,
    parameters: t.parameters,
    endpointUrl: t.endpointUrl,
    timeoutMs: t.timeoutMs,
    secretHeaderName: t.secretHeaderName,
    hasSecret: !!t.secretHeaderValue,
    enabled: t.enabled,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
  };
}

/** A Realtime API function tool entry for the session. */
export function toRealtimeTool(
  t: Pick<DynamicTool, 'name' | 'description' | 'parameters'>,
): RealtimeFunctionToolSchema {
  return {
    type: 'function',
    name: t.name,
    description: t.description,
    parameters: t.parameters as Record<string, unknown>,
  };
}

async function checkTool(ctx: AppContext, input: ToolInput, merged: ToolInput): Promise<void> {
  if (input.name !== undefined && RESERVED_TOOL_NAMES.has(input.name))
    throw AiErrors.invalidTool(`body.name ${input.name} is reserved for a built-in tool`);
  if (input.parameters !== undefined) {
    const problem = ctx.tools.schemaProblem(input.parameters);
    if (problem) throw AiErrors.invalidTool(`body.parameters ${problem}`);
  }
  if (input.endpointUrl !== undefined) {
    const problem = await ctx.tools.endpointProblem(input.endpointUrl);
    if (problem) throw AiErrors.invalidTool(`body.endpointUrl ${problem}`);
  }
  if (input.timeoutMs !== undefined && input.timeoutMs > ctx.maxToolTimeoutMs)
    throw AiErrors.invalidTool(`body.timeoutMs must be <= ${ctx.maxToolTimeoutMs}`);
  if (!!merged.secretHeaderName !== !!merged.secretHeaderValue)
    throw AiErrors.invalidTool('body.secretHeaderName and body.secretHeaderValue go together');
}

/** Dynamic tools: the brand's CRUD, and the schemas/execution voice-server uses during calls. */
export const toolsPlugin: FastifyPluginAsync<FeatureOptions> = async (app, { ctx }) => {
  adminScope(app, ctx, (admin) => {
    admin.get<{ Params: { key: string } }>(
      '/admin/profiles/:key/tools',
      {
        schema: {
          ...adminDoc('tools', "List a profile's dynamic tools"),
          params: profileKeyParams,
          response: { 200: toolListResponse },
        },
      },
      async (req) => {
        const p = await ctx.profiles.getForBrand(req.brandId, req.params.key);
        const tools = await ctx.prisma.dynamicTool.findMany({
          where: { profileId: p.id },
          orderBy: { name: 'asc' },
        });
        return { tools: tools.map(toToolDto) };
      },
    );

    admin.post<{ Params: { key: string }; Body: Required<Pick<ToolInput, 'name'>> & ToolInput }>(
      '/admin/profiles/:key/tools',
      {
        schema: {
          ...adminDoc('tools', 'Add a dynamic tool (an HTTPS endpoint the agent can call)'),
          params: profileKeyParams,
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['name', 'description', 'parameters', 'endpointUrl'],
            properties: { name: { type: 'string', pattern: TOOL_NAME_PATTERN }, ...toolFields },
          },
          response: { 201: toolResponse },
        },
      },
      async (req, reply) => {
        const p = await ctx.profiles.getForBrand(req.brandId, req.params.key);
        await checkTool(ctx, req.body, req.body);
        if (
          await ctx.prisma.dynamicTool.findUnique({
            where: { profileId_name: { profileId: p.id, name: req.body.name } },
          })
        )
          throw AiErrors.toolNameTaken(`profile ${p.key} already has a tool named ${req.body.name}`);
        const created = await ctx.prisma.dynamicTool.create({
          data: {
            profileId: p.id,
            name: req.body.name,
            description: req.body.description!,
            parameters: req.body.parameters as Prisma.InputJsonValue,
            endpointUrl: req.body.endpointUrl!,
            timeoutMs: req.body.timeoutMs ?? 5000,
            secretHeaderName: req.body.secretHeaderName ?? null,
            secretHeaderValue: req.body.secretHeaderValue ?? null,
            enabled: req.body.enabled ?? true,
          },
        });
        return reply.status(201).send(toToolDto(created));
      },
    );

    const findTool = async (brandId: string, key: string, name: string) => {
      const p = await ctx.profiles.getForBrand(brandId, key);
      const tool = await ctx.prisma.dynamicTool.findUnique({
        where: { profileId_name: { profileId: p.id, name } },
      });
      if (!tool) throw AiErrors.toolNotFound(`profile ${key} has no tool ${name}`);
      return tool;
    };

    admin.get<{ Params: { key: string; name: string } }>(
      '/admin/profiles/:key/tools/:name',
      {
        schema: {
          ...adminDoc('tools', 'Read a dynamic tool'),
          params: toolParams,
          response: { 200: toolResponse },
        },
      },
      async (req) => toToolDto(await findTool(req.brandId, req.params.key, req.params.name)),
    );

    admin.patch<{ Params: { key: string; name: string }; Body: ToolInput }>(
      '/admin/profiles/:key/tools/:name',
      {
        schema: {
          ...adminDoc('tools', 'Change a dynamic tool'),
          params: toolParams,
          body: { type: 'object', additionalProperties: false, minProperties: 1, properties: toolFields },
          response: { 200: toolResponse },
        },
      },
      async (req) => {
        const tool = await findTool(req.brandId, req.params.key, req.params.name);
        await checkTool(ctx, req.body, {
          secretHeaderName:
            req.body.secretHeaderName !== undefined ? req.body.secretHeaderName : tool.secretHeaderName,
          secretHeaderValue:
            req.body.secretHeaderValue !== undefined ? req.body.secretHeaderValue : tool.secretHeaderValue,
        });
        const data: Prisma.DynamicToolUpdateInput = {};
        if (req.body.description !== undefined) data.description = req.body.description;
        if (req.body.parameters !== undefined) data.parameters = req.body.parameters as Prisma.InputJsonValue;
        if (req.body.endpointUrl !== undefined) data.endpointUrl = req.body.endpointUrl;
        if (req.body.timeoutMs !== undefined) data.timeoutMs = req.body.timeoutMs;
        if (req.body.secretHeaderName !== undefined) data.secretHeaderName = req.body.secretHeaderName;
        if (req.body.secretHeaderValue !== undefined) data.secretHeaderValue = req.body.secretHeaderValue;
        if (req.body.enabled !== undefined) data.enabled = req.body.enabled;
        return toToolDto(await ctx.prisma.dynamicTool.update({ where: { id: tool.id }, data }));
      },
    );

    admin.delete<{ Params: { key: string; name: string } }>(
      '/admin/profiles/:key/tools/:name',
      { schema: { ...adminDoc('tools', 'Delete a dynamic tool'), params: toolParams } },
      async (req, reply) => {
        const tool = await findTool(req.brandId, req.params.key, req.params.name);
        await ctx.prisma.dynamicTool.delete({ where: { id: tool.id } });
        return reply.status(204).send();
      },
    );
  });

  internalScope(app, ctx, (internal) => {
    internal.get<{ Querystring: { profileKey: string } }>(
      '/voiceagent/get_available_tools/',
      {
        schema: {
          ...internalDoc('call path', "The profile's enabled dynamic tools as Realtime function schemas"),
          querystring: {
            type: 'object',
            required: ['profileKey'],
            properties: { profileKey: { type: 'string', pattern: PROFILE_REF_PATTERN } },
          },
          response: { 200: realtimeToolsResponse },
        },
      },
      async (req): Promise<{ tools: RealtimeFunctionToolSchema[] }> => {
        const p = await ctx.profiles.getByRef(req.query.profileKey);
        const tools = await ctx.prisma.dynamicTool.findMany({
          where: { profileId: p.id, enabled: true },
          orderBy: { name: 'asc' },
        });
        // timeoutMs rides beside the schema: voice-server's budget for the call, not sent to the model.
        return { tools: tools.map((t) => ({ ...toRealtimeTool(t), timeoutMs: t.timeoutMs })) };
      },
    );

    internal.post<{ Body: ExecuteToolRequest & { profileKey: string } }>(
      '/voiceagent/execute_tool/',
      {
        // The model's arguments are third-party text: repaired, not refused.
        config: { textPolicy: 'sanitize' },
        schema: {
          ...internalDoc(
            'call path',
            'Run a dynamic tool: validate arguments, call the brand endpoint, return result or error',
          ),
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['profileKey', 'name', 'arguments', 'callSid'],
            properties: {
              profileKey: { type: 'string', pattern: PROFILE_REF_PATTERN },
              name: { type: 'string', minLength: 1, maxLength: 64 },
              arguments: { anyOf: [{ type: 'object' }, { type: 'string' }] },
              callSid: { type: 'string', minLength: 1, maxLength: 64 },
            },
          },
          response: { 200: executeToolResponse },
        },
      },
      async (req): Promise<ExecuteToolResult> => {
        const p = await ctx.profiles.getByRef(req.body.profileKey);
        if (req.body.name === OUTCOME_TOOL_NAME) {
          const recorded = await recordOutcome(ctx, req.body.callSid, req.body.arguments);
          ctx.metrics.toolRan(recorded);
          return recorded;
        }
        const tool = await ctx.prisma.dynamicTool.findUnique({
          where: { profileId_name: { profileId: p.id, name: req.body.name } },
        });
        const outcome: ExecuteToolResult = tool?.enabled
          ? await ctx.tools.execute(tool, req.body.arguments, {
              callSid: req.body.callSid,
              profileKey: p.key,
            })
          : {
              ok: false,
              error: { code: 'UNKNOWN_TOOL', message: `no tool named ${req.body.name}` },
              durationMs: 0,
            };
        ctx.metrics.toolRan(outcome);
        return outcome;
      },
    );
  });
};
