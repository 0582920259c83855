/**
 * Deterministic text features shared by the embedding and rerank simulators: word stems, a small
 * table of support-vocabulary synonyms ("concepts") so paraphrases share features, word bigrams and
 * character n-grams. Nothing here is learned; it is just enough signal for retrieval to be testable.
 */

const STOPWORDS = new Set(
  (
    'a an and are as at be but by can could did do does for from had has have how i if in into is it its ' +
    'me my of on or our please so that the their them then there these they this to us was we were what ' +
    'when where which who why will with would you your yours im ive id get got want need'
  ).split(' '),
);

/** Synonym classes; every word of a class maps to the class's first word. */
const CONCEPT_CLASSES: readonly string[][] = [
  ['refund', 'reimburse', 'reimbursement', 'moneyback', 'repay', 'chargeback'],
  ['password', 'passcode', 'passphrase', 'pin', 'credential', 'credentials'],
  ['cancel', 'terminate', 'end', 'stop', 'discontinue', 'unsubscribe', 'quit'],
  ['invoice', 'bill', 'billing', 'statement'],
  ['login', 'signin', 'logon', 'sign', 'log'],
  ['delivery', 'shipping', 'shipment', 'ship', 'courier', 'dispatch', 'deliver', 'arrive', 'arrival'],
  ['email', 'mail', 'inbox', 'newsletter'],
  ['phone', 'mobile', 'cell', 'telephone', 'smartphone'],
  ['address', 'location', 'residence'],
  ['account', 'profile', 'membership'],
  ['payment', 'pay', 'charge', 'card', 'credit', 'debit'],
  ['broken', 'damaged', 'defective', 'faulty', 'cracked', 'malfunction'],
  ['order', 'purchase', 'bought', 'buy'],
  ['hours', 'open', 'opening', 'schedule', 'closed', 'closing'],
  ['help', 'support', 'assistance', 'assist', 'agent', 'human', 'representative'],
  ['delete', 'remove', 'erase', 'wipe', 'close'],
  ['change', 'update', 'modify', 'edit', 'switch', 'adjust'],
  ['return', 'exchange', 'sendback'],
  ['track', 'tracking', 'status', 'where', 'locate'],
  ['discount', 'coupon', 'voucher', 'promo', 'promotion', 'code'],
  ['subscription', 'plan', 'tier', 'package'],
  ['price', 'cost', 'fee', 'pricing', 'expensive', 'cheap'],
  ['reset', 'forgot', 'forgotten', 'recover', 'recovery', 'lost'],
  ['warranty', 'guarantee', 'coverage'],
  ['battery', 'charging', 'charger', 'power'],
  ['connect', 'pair', 'pairing', 'bluetooth', 'wifi', 'network', 'internet', 'online'],
];

const CONCEPT_OF = new Map<string, string>();
for (const cls of CONCEPT_CLASSES) for (const w of cls) CONCEPT_OF.set(w, cls[0]!);

/** Lowercased words, with joined forms of common compounds ("sign in" → "signin"). */
export function words(text: string): string[] {
  const normalised = text
    .toLowerCase()
    .replace(/\b(sign|log)[\s-]+(in|on|up)\b/g, '$1$2')
    .replace(/\bmoney[\s-]+back\b/g, 'moneyback')
    .replace(/\bsend[\s-]+(it\s+)?back\b/g, 'sendback')
    .replace(/\be-mail/g, 'email');
  return normalised.match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** A crude English stem: enough to make "orders", "ordered" and "ordering" meet. */
export function stem(word: string): string {
  if (word.length <= 4) return word;
  for (const suffix of ['ing', 'ed', 'es', 's', 'ly']) {
    if (word.endsWith(suffix) && word.length - suffix.length >= 3) {
      const base = word.slice(0, -suffix.length);
      return suffix === 'ing' || suffix === 'ed' ? base.replace(/(.)\1$/, '$1') : base;
    }
  }
  return word;
}

/** Content terms of `text`: stems of non-stopwords, and the concept each belongs to (if any). */
export function contentTerms(text: string): Array<{ stem: string; concept?: string }> {
  const out: Array<{ stem: string; concept?: string }> = [];
  for (const w of words(text)) {
    if (STOPWORDS.has(w)) continue;
    const s = stem(w);
    const concept = CONCEPT_OF.get(w) ?? CONCEPT_OF.get(s);
    out.push(concept ? { stem: s, concept } : { stem: s });
  }
  return out;
}

/** 32-bit FNV-1a. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Weighted sparse features of a text (feature name → weight). */
export function textFeatures(text: string): Map<string, number> {
  const feats = new Map<string, number>();
  const add = (k: string, w: number) => feats.set(k, (feats.get(k) ?? 0) + w);
  const terms = contentTerms(text);
  terms.forEach((t, i) => {
    add(`w:${t.stem}`, 1);
    if (t.concept) add(`c:${t.concept}`, 1.5);
    const next = terms[i + 1];
    if (next) add(`b:${t.concept ?? t.stem}_${next.concept ?? next.stem}`, 0.5);
    const padded = `#${t.stem}#`;
    for (let j = 0; j + 3 <= padded.length; j++) add(`g:${padded.slice(j, j + 3)}`, 0.25);
  });
  return feats;
}
