/**
 * A deterministic, help-center-like corpus for benchmarks: articles about (product, feature, action)
 * topics, written from sentence templates with a Zipf-ish mix of topic words, common support
 * vocabulary and filler, so term frequencies and article lengths look like a real export.
 */

export interface SyntheticArticle {
  externalId: string;
  title: string;
  body: string;
  topic: { product: string; feature: string; action: string };
}

export interface SyntheticQuery {
  query: string;
  /** The article the query was written from. */
  externalId: string;
}

const ACTIONS = [
  'reset',
  'change',
  'enable',
  'disable',
  'export',
  'import',
  'connect',
  'disconnect',
  'update',
  'cancel',
  'renew',
  'transfer',
  'share',
  'delete',
  'restore',
  'configure',
  'verify',
  'schedule',
  'download',
  'upload',
  'invite',
  'remove',
  'archive',
  'merge',
  'sync',
  'refund',
  'upgrade',
  'downgrade',
  'track',
  'print',
];
const FEATURES = [
  'password',
  'invoice',
  'subscription',
  'payment method',
  'shipping address',
  'order',
  'account',
  'two-factor authentication',
  'profile photo',
  'notification settings',
  'team member',
  'api key',
  'billing plan',
  'gift card',
  'warranty',
  'return label',
  'delivery slot',
  'calendar',
  'report',
  'dashboard',
  'integration',
  'webhook',
  'mailbox',
  'signature',
  'backup',
  'device',
  'license',
  'coupon',
  'loyalty points',
  'receipt',
  'tax settings',
  'language',
  'time zone',
  'storage',
  'firmware',
  'battery',
  'bluetooth pairing',
  'wifi network',
  'printer',
  'camera',
  'microphone',
  'contact list',
  'folder',
  'template',
  'workflow',
  'approval',
  'timesheet',
  'expense',
  'payroll',
  'refund request',
];
const SUPPORT_WORDS = [
  'settings',
  'menu',
  'button',
  'screen',
  'page',
  'option',
  'tab',
  'link',
  'email',
  'message',
  'error',
  'problem',
  'issue',
  'step',
  'minutes',
  'hours',
  'days',
  'support',
  'agent',
  'customer',
  'browser',
  'app',
  'mobile',
  'desktop',
  'website',
  'admin',
  'user',
  'permission',
  'security',
  'data',
  'file',
  'confirmation',
  'code',
  'number',
  'date',
  'status',
  'history',
  'details',
  'list',
  'window',
  'version',
];
const FILLER = [
  'you can',
  'please note that',
  'if needed',
  'in most cases',
  'after that',
  'once done',
  'for example',
  'to do this',
  'at any time',
  'from the',
  'on the',
  'with your',
  'in the',
  'for your',
  'before you',
];

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    // xorshift32: fast, deterministic across platforms.
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}

const SYLLABLES = [
  'ka',
  'lo',
  'mi',
  'ren',
  'tor',
  'vex',
  'zu',
  'pla',
  'quin',
  'dor',
  'sy',
  'nex',
  'bri',
  'tal',
  'gon',
  'fyr',
];

function productNames(count: number, rand: () => number): string[] {
  const names = new Set<string>();
  while (names.size < count) {
    const n = 2 + Math.floor(rand() * 2);
    let w = '';
    for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(rand() * SYLLABLES.length)];
    names.add(w[0]!.toUpperCase() + w.slice(1));
  }
  return [...names];
}

const pick = <T>(xs: readonly T[], rand: () => number): T => xs[Math.floor(rand() * xs.length)]!;
/** Skewed towards the start of the list, like word frequencies. */
const pickZipf = <T>(xs: readonly T[], rand: () => number): T => xs[Math.floor(rand() ** 2 * xs.length)]!;

/** Generates `count` articles deterministically from `seed`. */
export function generateCorpus(count: number, seed = 42): SyntheticArticle[] {
  const rand = rng(seed);
  const products = productNames(Math.max(20, Math.ceil(count / 40)), rand);
  const out: SyntheticArticle[] = [];
  for (let i = 0; i < count; i++) {
    const topic = {
      product: pick(products, rand),
      feature: pick(FEATURES, rand),
      action: pick(ACTIONS, rand),
    };
    const title = pick(
      [
        `How to ${topic.action} your ${topic.feature} in ${topic.product}`,
        `${topic.product}: ${topic.action} a ${topic.feature}`,
        `Can I ${topic.action} my ${topic.feature} on ${topic.product}?`,
        `Troubleshooting ${topic.feature} problems in ${topic.product}`,
      ],
      rand,
    );
    const paragraphs: string[] = [];
    const paragraphCount = 3 + Math.floor(rand() * 6);
    for (let p = 0; p < paragraphCount; p++) {
      const sentences: string[] = [];
      const sentenceCount = 3 + Math.floor(rand() * 4);
      for (let s = 0; s < sentenceCount; s++) sentences.push(sentence(topic, products, rand));
      paragraphs.push(sentences.join(' '));
    }
    out.push({ externalId: `synthetic-${i}`, title, body: paragraphs.join('\n\n'), topic });
  }
  return out;
}

function sentence(topic: SyntheticArticle['topic'], products: string[], rand: () => number): string {
  const onTopic = rand() < 0.75;
  const feature = onTopic ? topic.feature : pick(FEATURES, rand);
  const action = onTopic ? topic.action : pick(ACTIONS, rand);
  const product = onTopic ? topic.product : pick(products, rand);
  const a = pickZipf(SUPPORT_WORDS, rand);
  const b = pickZipf(SUPPORT_WORDS, rand);
  const f = pick(FILLER, rand);
  const templates = [
    `Open ${product} and go to the ${a} ${b}, then choose ${action} ${feature}.`,
    `${cap(f)} ${action} the ${feature} from the ${a} without contacting ${b}.`,
    `If the ${feature} ${a} shows an error, wait a few ${b} and try to ${action} it again.`,
    `Only an admin can ${action} a ${feature} for another ${a} in ${product}.`,
    `The ${a} lists every ${feature} with its ${b}; select one to ${action} it.`,
    `${cap(f)} ${product} sends a ${a} ${b} when your ${feature} changes.`,
  ];
  return pick(templates, rand);
}

const cap = (s: string) => s[0]!.toUpperCase() + s.slice(1);

/** Questions a caller might ask, each written from one article's topic (worded unlike its title). */
export function generateQueries(
  corpus: readonly SyntheticArticle[],
  count: number,
  seed = 7,
): SyntheticQuery[] {
  const rand = rng(seed);
  const out: SyntheticQuery[] = [];
  for (let i = 0; i < count; i++) {
    const a = corpus[Math.floor(rand() * corpus.length)]!;
    const q = pick(
      [
        `how do I ${a.topic.action} the ${a.topic.feature} in ${a.topic.product}`,
        `I need to ${a.topic.action} my ${a.topic.feature}, I use ${a.topic.product}`,
        `${a.topic.product} ${a.topic.feature} ${a.topic.action} not working`,
      ],
      rand,
    );
    out.push({ query: q, externalId: a.externalId });
  }
  return out;
}
