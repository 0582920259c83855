import type { RealtimeFunctionTool, RealtimeSessionCreateRequest } from '@switchboard/realtime';
import type { AgentConfig } from '@switchboard/service-kit/clients/ai-server';
import type { CallLanguageSpec } from '../language/languages.ts';
import { SWITCH_LANGUAGE_TOOL } from '../language/switch-language-tool.ts';
import type { CallProfile } from '../ports/ai-server.ts';
import type { TranscriptMessage } from '../ports/app-server.ts';
import { type ToolHandler, toolError } from '../tools/types.ts';
import { withLanguageRule } from './session-config.ts';

/** Tool names that hand the caller to another agent: `transfer_to_<agent key>`. */
export const HANDOFF_TOOL_PREFIX = 'transfer_to_';
/** Longest context object (as JSON) passed on to the next agent. */
const MAX_CONTEXT_CHARS = 2_000;

/** One hand-off, as recorded on the conversation. */
export interface HandOff {
  from: string;
  to: string;
  reason: string;
  at: string;
}

export interface CallAgentsDeps {
  /** Changes the live session (and the configuration later sessions start with). */
  updateSession(patch: Partial<RealtimeSessionCreateRequest>): void;
  /** A system note the model reads with its next turn. */
  note(text: string): void;
  /** Records a message on the call's transcript. */
  record(message: Omit<TranscriptMessage, 'sequence'>): void;
  /** The call's language now: its rule ends every agent's instructions. */
  language?: () => CallLanguageSpec | undefined;
  now?: () => Date;
}

/**
 * The call's specialist agents and which one is talking. Each agent has its own instructions and
 * tools, plus a `transfer_to_<agent>` tool per agent it may hand the caller to. A hand-off swaps the
 * live session's instructions and tools with one session.update (the conversation stays), tells the
 * model why, and is recorded on the transcript. The session's voice is never changed on a hand-off:
 * the Realtime API refuses a voice change once the session has produced audio, so an agent's own
 * voice is used only when it is the entry agent.
 */
export class CallAgents {
  private readonly agents = new Map<string, AgentConfig>();
  private currentKey: string | undefined;
  private baseInstructions = '';
  private language: string | undefined;
  private allTools: RealtimeFunctionTool[] = [];
  /** The transfer tools' names (`transfer_to_human` is not one of them). */
  private readonly handOffNames = new Set<string>();
  readonly handOffs: HandOff[] = [];

  constructor(private readonly deps: CallAgentsDeps) {}

  /** The agent talking now; undefined when the profile has no agents. */
  get current(): string | undefined {
    return this.currentKey;
  }

  /**
   * The profile's agents are known: the entry agent takes the call. Returns the profile as the session
   * starts with it (the entry agent's voice), its instructions and its tools; the profile's own when
   * it defines no agents.
   */
  start(
    profile: CallProfile,
    instructions: string,
    tools: RealtimeFunctionTool[],
  ): { profile: CallProfile; instructions: string; tools: RealtimeFunctionTool[] } {
    const entry = profile.agents?.find((a) => a.key === profile.entryAgent);
    this.baseInstructions = instructions;
    if (!entry)
      return { profile, instructions, tools: tools.filter((t) => !this.handOffNames.has(t.name ?? '')) };
    for (const a of profile.agents ?? []) this.agents.set(a.key, a);
    this.language = profile.language;
    this.allTools = tools;
    this.currentKey = entry.key;
    const voiced = entry.voice
      ? { ...profile, voice: { ...(profile.voice ?? {}), voiceId: entry.voice } }
      : profile;
    return { profile: voiced, instructions: this.instructionsOf(entry), tools: this.toolsOf(entry) };
  }

  /** A transfer tool per agent (the runner runs them; each agent's session lists only its own targets). */
  toolHandlers(profile: CallProfile): ToolHandler[] {
    if (!profile.agents?.some((a) => a.key === profile.entryAgent)) return [];
    return profile.agents.map((a) => this.transferTool(a.key));
  }

  /** Hands the caller to `to`; the model's words for why, and what the next agent should know. */
  handOff(
    to: string,
    reason: string,
    context: unknown,
  ): { ok: true; agent: string } | { ok: false; error: string } {
    const from = this.currentKey;
    const fromAgent = from ? this.agents.get(from) : undefined;
    const target = this.agents.get(to);
    if (!fromAgent || !target || !(fromAgent.handoffs ?? []).includes(to))
      return toolError(`The ${from ?? 'current'} agent cannot hand the caller to ${to}.`);
    this.currentKey = to;
    const at = (this.deps.now?.() ?? new Date()).toISOString();
    const why = reason.trim().slice(0, 500) || 'no reason given';
    this.handOffs.push({ from: fromAgent.key, to, reason: why, at });
    this.deps.updateSession({
      instructions: withLanguageRule(this.instructionsOf(target), this.deps.language?.() ?? this.language),
      tools: this.toolsOf(target),
    });
    const ctx =
      context === undefined
        ? ''
        : ` What they were told: ${JSON.stringify(context).slice(0, MAX_CONTEXT_CHARS)}.`;
    this.deps.note(
      `The caller was handed from the ${fromAgent.key} agent to you, the ${to} agent. Reason: ${why}.${ctx} Continue the conversation as the ${to} agent; do not greet the caller again.`,
    );
    this.deps.record({
      role: 'system',
      source: 'handoff',
      text: `Handed from ${fromAgent.key} to ${to}: ${why}`,
      startedAt: at,
      handoff: { from: fromAgent.key, to, reason: why },
    });
    return { ok: true, agent: to };
  }

  /** The instructions in force without the language rule: the agent talking now, or the profile's. */
  instructionsNow(): string {
    const agent = this.currentKey ? this.agents.get(this.currentKey) : undefined;
    return agent ? this.instructionsOf(agent) : this.baseInstructions;
  }

  private instructionsOf(agent: AgentConfig): string {
    return `${this.baseInstructions.trimEnd()}\n\n# Your role: the ${agent.key} agent\n${agent.instructions.trim()}`;
  }

  /**
   * The agent's own tools (all of the call's when it names none), its transfer tools, and
   * switch_language (every agent may switch the call's language).
   */
  private toolsOf(agent: AgentConfig): RealtimeFunctionTool[] {
    const named = agent.tools ? new Set(agent.tools) : undefined;
    const targets = new Set((agent.handoffs ?? []).map((k) => HANDOFF_TOOL_PREFIX + k));
    return this.allTools.filter((t) => {
      const name = t.name ?? '';
      if (name === SWITCH_LANGUAGE_TOOL) return true;
      return this.handOffNames.has(name) ? targets.has(name) : !named || named.has(name);
    });
  }

  private transferTool(key: string): ToolHandler {
    this.handOffNames.add(HANDOFF_TOOL_PREFIX + key);
    return {
      schema: {
        type: 'function',
        name: HANDOFF_TOOL_PREFIX + key,
        description: `Hand the caller to the ${key} agent when their request is its job. Say one short line first.`,
        parameters: {
          type: 'object',
          properties: {
            reason: { type: 'string', description: 'Why the caller is handed over, in a few words.' },
            context: {
              type: 'object',
              description: 'What the next agent should know (names, numbers, what was already said).',
            },
          },
          required: ['reason'],
        },
      },
      timeoutMs: 2_000,
      run: async (args) => {
        const result = this.handOff(key, String(args.reason ?? ''), args.context);
        if (!result.ok) return { output: result };
        return {
          output: {
            ok: true,
            status: 'handed_over',
            agent: key,
            instruction: `You are now the ${key} agent. Continue helping the caller.`,
          },
        };
      },
    };
  }
}
