import { isObject } from './strict-schema.ts';

/**
 * What the simulated model "understood" from the conversation: a few signals read from its words, so
 * the same transcript always gets the same answer and different calls get different ones.
 */
export interface Reading {
  sentiment: 'positive' | 'neutral' | 'negative' | 'mixed';
  intent: string;
  resolution: 'resolved' | 'unresolved' | 'escalated' | 'follow_up';
  leadScore: number;
  summary: string;
}

const POSITIVE =
  /\b(thanks?|thank you|great|perfect|wonderful|awesome|helpful|appreciate|love|excellent)\b/gi;
const NEGATIVE =
  /\b(angry|terrible|awful|broken|damaged|late|never arrived|refund|complain\w*|frustrat\w*|upset|worst|cancel)\b/gi;
const INTENTS: [string, RegExp][] = [
  ['returns', /\b(return|returns|refund|exchange)\b/i],
  ['shipping', /\b(ship|shipping|delivery|deliver|arrive|tracking)\b/i],
  ['order_status', /\b(order status|where is my order|order number)\b/i],
  ['billing', /\b(bill|billing|charge|charged|invoice|payment)\b/i],
  ['sales', /\b(buy|purchase|price|pricing|quote|discount)\b/i],
  ['appointment', /\b(appointment|book|booking|schedule)\b/i],
];
const BUYING = /\b(buy|purchase|price|pricing|quote|order|interested|upgrade|discount)\b/gi;

/** Reads the transcript (the request's user and system text) into the signals an analysis reports. */
export function readTranscript(text: string): Reading {
  const pos = text.match(POSITIVE)?.length ?? 0;
  const neg = text.match(NEGATIVE)?.length ?? 0;
  const sentiment = pos && neg ? 'mixed' : pos ? 'positive' : neg ? 'negative' : 'neutral';
  // Topics in the order the caller raised them: the first is the call's intent.
  const hits = INTENTS.map(([name, re]) => ({ name, at: text.search(re) }))
    .filter((h) => h.at >= 0)
    .sort((a, b) => a.at - b.at)
    .map((h) => h.name);
  const intent = hits[0] ?? 'general_inquiry';
  const resolution = /\bcall\s?(me |you )?back\b/i.test(text)
    ? 'follow_up'
    : /\b(transfer|a person|an agent|human)\b/i.test(text)
      ? 'escalated'
      : /\b(still|not resolved|didn't help|doesn't help)\b/i.test(text)
        ? 'unresolved'
        : 'resolved';
  const leadScore = Math.min(
    100,
    (text.match(BUYING)?.length ?? 0) * 15 + (sentiment === 'positive' ? 10 : 0),
  );
  const topics = hits.length ? hits.slice(0, 3).join(', ').replace(/_/g, ' ') : 'a general question';
  const summary = `The caller asked about ${topics}. The call ended ${resolution.replace('_', ' ')} with ${sentiment} sentiment.`;
  return { sentiment, intent, resolution, leadScore, summary };
}

/**
 * A value that matches `schema` (strict-mode subset: object, array, string, number, integer, boolean,
 * null, enum, const, anyOf, $ref), filled from the reading where a property's name says what it is.
 */
export function answerFor(schema: Record<string, unknown>, reading: Reading): unknown {
  return valueFor(schema, reading, undefined, schema, 0);
}

function valueFor(
  s: Record<string, unknown>,
  r: Reading,
  name: string | undefined,
  root: Record<string, unknown>,
  depth: number,
): unknown {
  if (depth > 20) return null;
  if (typeof s.$ref === 'string') {
    const target = resolveRef(s.$ref, root);
    return target ? valueFor(target, r, name, root, depth + 1) : null;
  }
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length) {
    const wanted = name ? (r as unknown as Record<string, unknown>)[camel(name)] : undefined;
    return s.enum.includes(wanted) ? wanted : s.enum[0];
  }
  if (Array.isArray(s.anyOf)) {
    const branches = s.anyOf.filter(isObject);
    const nonNull = branches.find((b) => b.type !== 'null') ?? branches[0];
    return nonNull ? valueFor(nonNull, r, name, root, depth + 1) : null;
  }
  const types = (Array.isArray(s.type) ? s.type : [s.type]).filter((t) => typeof t === 'string');
  const type = types.find((t) => t !== 'null') ?? types[0];
  switch (type) {
    case 'object': {
      const props = isObject(s.properties) ? s.properties : {};
      return Object.fromEntries(
        Object.entries(props).map(([k, v]) => [k, isObject(v) ? valueFor(v, r, k, root, depth + 1) : null]),
      );
    }
    case 'array': {
      const n = typeof s.minItems === 'number' ? s.minItems : 1;
      const items = isObject(s.items) ? s.items : {};
      return Array.from({ length: Math.min(n, 10) }, () => valueFor(items, r, name, root, depth + 1));
    }
    case 'string':
      return stringFor(name, r);
    case 'integer':
    case 'number':
      return numberFor(s, name, r, type === 'integer');
    case 'boolean':
      return false;
    default:
      return null;
  }
}

function stringFor(name: string | undefined, r: Reading): string {
  const key = camel(name ?? '');
  if (key === 'summary') return r.summary;
  if (key === 'sentiment' || key === 'intent' || key === 'resolution') return r[key];
  return `${name ?? 'value'}: ${r.intent}`;
}

function numberFor(
  s: Record<string, unknown>,
  name: string | undefined,
  r: Reading,
  integer: boolean,
): number {
  const min =
    typeof s.minimum === 'number'
      ? s.minimum
      : typeof s.exclusiveMinimum === 'number'
        ? s.exclusiveMinimum + 1
        : -Infinity;
  const max =
    typeof s.maximum === 'number'
      ? s.maximum
      : typeof s.exclusiveMaximum === 'number'
        ? s.exclusiveMaximum - 1
        : Infinity;
  const wanted = /score/i.test(name ?? '') ? r.leadScore : 0;
  const v = Math.max(min, Math.min(max, wanted));
  return integer ? Math.ceil(v) : v;
}

function resolveRef(ref: string, root: Record<string, unknown>): Record<string, unknown> | undefined {
  if (ref === '#') return root;
  const [, bucket, key] = ref.split('/');
  const defs = bucket ? root[bucket] : undefined;
  const target = isObject(defs) && key ? defs[key] : undefined;
  return isObject(target) ? target : undefined;
}

const camel = (s: string) => s.replace(/[_-](\w)/g, (_, c: string) => c.toUpperCase());
