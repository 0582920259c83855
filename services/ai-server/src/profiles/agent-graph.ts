/**
 * A profile's specialist agents: their JSON schema, and the graph checks JSON schema cannot make
 * (targets exist, the entry agent exists, every agent can get back to it when the profile says so).
 */

export const AGENT_KEY_PATTERN = '^[a-z][a-z0-9_]{0,39}$';
/** Most agents a profile may define (each adds up to this many transfer tools to the others). */
export const MAX_AGENTS = 12;

/** The tools voice-server gives every call; an agent may name these besides the profile's own tools. */
export const CALL_BUILTIN_TOOLS = [
  'get_knowledge',
  'transfer_to_human',
  'create_callback_ticket',
  'end_call',
  'switch_language',
];

/** One agent as a brand defines it. */
export interface AgentInput {
  key: string;
  instructions: string;
  tools?: string[];
  voice?: string;
  handoffs?: string[];
}

export const agentSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['key', 'instructions'],
  properties: {
    key: { type: 'string', pattern: AGENT_KEY_PATTERN },
    instructions: { type: 'string', minLength: 1, maxLength: 20_000 },
    tools: {
      type: 'array',
      maxItems: 64,
      uniqueItems: true,
      items: { type: 'string', pattern: '^[a-zA-Z0-9_-]{1,64}$' },
    },
    voice: { type: 'string', minLength: 1, maxLength: 100 },
    handoffs: {
      type: 'array',
      maxItems: MAX_AGENTS,
      uniqueItems: true,
      items: { type: 'string', pattern: AGENT_KEY_PATTERN },
    },
  },
} as const;

/** Profile fields for agents: the list, the one callers meet first, and whether all must lead back. */
export const agentFields = {
  agents: { type: 'array', maxItems: MAX_AGENTS, items: agentSchema },
  entryAgent: { type: ['string', 'null'], pattern: AGENT_KEY_PATTERN },
  returnRequired: { type: 'boolean' },
} as const;

/** The agents part of a profile, as stored and as the call path reads it. */
export interface AgentGraph {
  agents: AgentInput[];
  entryAgent: string | null;
  returnRequired: boolean;
}

export const NO_AGENTS: AgentGraph = { agents: [], entryAgent: null, returnRequired: false };

/** The stored agents of a profile (none when unset or not understood). */
export function agentGraphOf(stored: unknown): AgentGraph {
  const g = stored as Partial<AgentGraph> | null;
  if (!g || !Array.isArray(g.agents)) return NO_AGENTS;
  return {
    agents: g.agents,
    entryAgent: typeof g.entryAgent === 'string' ? g.entryAgent : null,
    returnRequired: g.returnRequired === true,
  };
}

/** The graph after a patch: fields the patch leaves out keep their stored value. */
export function mergedGraph(
  stored: AgentGraph,
  patch: { agents?: AgentInput[]; entryAgent?: string | null; returnRequired?: boolean },
): AgentGraph {
  return {
    agents: patch.agents ?? stored.agents,
    entryAgent: patch.entryAgent !== undefined ? patch.entryAgent : stored.entryAgent,
    returnRequired: patch.returnRequired ?? stored.returnRequired,
  };
}

/**
 * What is wrong with a profile's agent graph, each naming the field (`body.agents[1].handoffs[0]`).
 * `toolNames`: the tools an agent may name (the call's built-ins and the profile's own).
 */
export function agentGraphProblems(g: AgentGraph, toolNames: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  if (!g.agents.length) {
    if (g.entryAgent !== null) problems.push('body.entryAgent names an agent but the profile has no agents');
    return problems;
  }
  const keys = new Map<string, number>();
  g.agents.forEach((a, i) => {
    if (a.key === 'human') problems.push(`body.agents[${i}].key human is reserved (transfer_to_human)`);
    else if (keys.has(a.key)) problems.push(`body.agents[${i}].key repeats agent ${a.key}`);
    else keys.set(a.key, i);
  });
  if (g.entryAgent === null) problems.push('body.entryAgent is required when the profile has agents');
  else if (!keys.has(g.entryAgent)) problems.push(`body.entryAgent names no agent (${g.entryAgent})`);
  g.agents.forEach((a, i) => {
    (a.handoffs ?? []).forEach((target, j) => {
      if (!keys.has(target)) problems.push(`body.agents[${i}].handoffs[${j}] names no agent (${target})`);
      else if (target === a.key) problems.push(`body.agents[${i}].handoffs[${j}] names the agent itself`);
    });
    (a.tools ?? []).forEach((tool, j) => {
      if (!toolNames.has(tool))
        problems.push(`body.agents[${i}].tools[${j}] is not one of the profile's tools`);
    });
  });
  if (g.returnRequired && g.entryAgent !== null && keys.has(g.entryAgent)) {
    const back = reachingEntry(g.agents, g.entryAgent);
    g.agents.forEach((a, i) => {
      if (!back.has(a.key))
        problems.push(`body.agents[${i}] (${a.key}) has no way back to the entry agent ${g.entryAgent}`);
    });
  }
  return problems;
}

/** Agents from which a chain of hand-offs leads to `entry` (entry included): a walk of reversed edges. */
function reachingEntry(agents: AgentInput[], entry: string): Set<string> {
  const into = new Map<string, string[]>();
  for (const a of agents) for (const t of a.handoffs ?? []) into.set(t, [...(into.get(t) ?? []), a.key]);
  const seen = new Set([entry]);
  const queue = [entry];
  while (queue.length) {
    for (const from of into.get(queue.shift()!) ?? []) {
      if (!seen.has(from)) {
        seen.add(from);
        queue.push(from);
      }
    }
  }
  return seen;
}
