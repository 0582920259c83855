import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signTwilioRequest, validateTwilioRequest } from './twilio-signature.ts';

/**
 * Twilio's documented algorithm, written out independently: HMAC-SHA1 keyed with the auth token over the
 * full URL followed by every POST parameter as key then value, keys sorted; base64 of the digest.
 */
function expectedSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data =
    url +
    Object.keys(params)
      .sort()
      .map((k) => k + params[k])
      .join('');
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

const TOKEN = '0123456789abcdef0123456789abcdef';
const URL_ = 'https://voice.example/twilio-voice-webhook';
const PARAMS: Record<string, string> = {
  CallSid: 'CA0a1b2c3d4e5f60718293a4b5c6d7e8f9',
  AccountSid: 'AC5d6e7f8091a2b3c4d5e6f708192a3b4c',
  From: '+15550100',
  To: '+15550199',
  CallStatus: 'ringing',
  Direction: 'inbound',
};

/**
 * Fixed vectors Twilio publishes, so the check does not only agree with itself: the auth token
 * `12345`, the URL `https://mycompany.com/myapp.php?foo=1&bar=2` and these params, from the twilio-php
 * request-validation guide (`RSOYDt4T1cUTdK1PDd93/VVr8B8=`) and Twilio's security docs
 * (`0/KCTR6DLpKmkAf8muzZqo1nDgQ=`); and the JSON-body case of the helper libraries' tests
 * (twilio-python `test_validation_of_body_succeeds`, twilio-csharp `TestValidateWithBody`): the body's
 * SHA-256 rides in the URL as `bodySHA256` and the URL alone is signed (`a9nBmqA0ju/hNViExpshrM61xv4=`).
 */
const DOC_TOKEN = '12345';
const DOC_URL = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const DOC_VECTORS: Array<[string, Record<string, string>, string]> = [
  [
    'twilio-php validation guide',
    {
      CallSid: 'CA1234567890ABCDE',
      Caller: '+14158675309',
      Digits: '1234',
      From: '+14158675309',
      To: '+18005551212',
    },
    'RSOYDt4T1cUTdK1PDd93/VVr8B8=',
  ],
  [
    'Twilio security docs',
    {
      CallSid: 'CA1234567890ABCDE',
      Caller: '+12349013030',
      Digits: '1234',
      From: '+12349013030',
      To: '+18005551212',
    },
    '0/KCTR6DLpKmkAf8muzZqo1nDgQ=',
  ],
];
const DOC_BODY = '{"property": "value", "boolean": true}';
const DOC_BODY_SHA256 = '0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620';

describe("Twilio's published signature vectors", () => {
  it.each(DOC_VECTORS)('signs and validates the %s example', (_source, params, signature) => {
    expect(signTwilioRequest(DOC_TOKEN, DOC_URL, params)).toBe(signature);
    expect(validateTwilioRequest(DOC_TOKEN, signature, DOC_URL, params)).toBe(true);
    expect(validateTwilioRequest(DOC_TOKEN, signature, DOC_URL, { ...params, Digits: '1235' })).toBe(false);
    expect(validateTwilioRequest('12346', signature, DOC_URL, params)).toBe(false);
  });

  it('signs a JSON-body request over the URL carrying bodySHA256', () => {
    expect(createHash('sha256').update(DOC_BODY).digest('hex')).toBe(DOC_BODY_SHA256);
    const url = `${DOC_URL}&bodySHA256=${DOC_BODY_SHA256}`;
    expect(signTwilioRequest(DOC_TOKEN, url)).toBe('a9nBmqA0ju/hNViExpshrM61xv4=');
    expect(validateTwilioRequest(DOC_TOKEN, 'a9nBmqA0ju/hNViExpshrM61xv4=', url)).toBe(true);
    expect(validateTwilioRequest(DOC_TOKEN, 'a9nBmqA0ju/hNViExpshrM61xv4=', DOC_URL)).toBe(false);
  });
});

describe('signTwilioRequest', () => {
  it('matches the example in Twilio’s security documentation', () => {
    const params = {
      CallSid: 'CA1234567890ABCDE',
      Caller: '+12349013030',
      Digits: '1234',
      From: '+12349013030',
      To: '+18005551212',
    };
    const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
    expect(expectedSignature('12345', url, params)).toBe('0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
    expect(signTwilioRequest('12345', url, params)).toBe('0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
  });

  it.each<[string, string, Record<string, string>]>([
    ['a webhook POST', URL_, PARAMS],
    ['a WebSocket upgrade (no params)', 'wss://voice.example/twilio-stream', {}],
    ['a URL with a query string', `${URL_}?brand=acme&x=1`, PARAMS],
    ['keys that sort case-sensitively', URL_, { b: '1', B: '2', a: '3', A: '4', _: '5' }],
    ['non-ASCII values', URL_, { SpeechResult: 'ça va? 你好 🎧', Empty: '' }],
  ])('equals the documented algorithm for %s', (_label, url, params) => {
    expect(signTwilioRequest(TOKEN, url, params)).toBe(expectedSignature(TOKEN, url, params));
  });

  it('defaults to no params', () => {
    expect(signTwilioRequest(TOKEN, URL_)).toBe(expectedSignature(TOKEN, URL_, {}));
  });
});

describe('validateTwilioRequest', () => {
  const signature = signTwilioRequest(TOKEN, URL_, PARAMS);

  it('accepts its own signature, and one computed independently', () => {
    expect(validateTwilioRequest(TOKEN, signature, URL_, PARAMS)).toBe(true);
    expect(validateTwilioRequest(TOKEN, expectedSignature(TOKEN, URL_, PARAMS), URL_, PARAMS)).toBe(true);
    const ws = 'wss://voice.example/twilio-stream';
    expect(validateTwilioRequest(TOKEN, signTwilioRequest(TOKEN, ws), ws)).toBe(true);
  });

  it('does not depend on the order params arrive in', () => {
    const reversed = Object.fromEntries(Object.entries(PARAMS).reverse());
    expect(validateTwilioRequest(TOKEN, signature, URL_, reversed)).toBe(true);
  });

  it.each<[string, string]>([
    ['another path', 'https://voice.example/other'],
    ['another host', 'https://evil.example/twilio-voice-webhook'],
    ['http instead of https', 'http://voice.example/twilio-voice-webhook'],
    ['an added query string', `${URL_}?x=1`],
    ['a trailing slash', `${URL_}/`],
  ])('rejects a tampered URL: %s', (_label, url) => {
    expect(validateTwilioRequest(TOKEN, signature, url, PARAMS)).toBe(false);
  });

  it('rejects tampered params: a changed value, an added key, a removed key, a renamed key', () => {
    expect(validateTwilioRequest(TOKEN, signature, URL_, { ...PARAMS, From: '+15550101' })).toBe(false);
    expect(validateTwilioRequest(TOKEN, signature, URL_, { ...PARAMS, Extra: '1' })).toBe(false);
    const { From: _from, ...withoutFrom } = PARAMS;
    expect(validateTwilioRequest(TOKEN, signature, URL_, withoutFrom)).toBe(false);
    const { To, ...rest } = PARAMS;
    expect(validateTwilioRequest(TOKEN, signature, URL_, { ...rest, to: To! })).toBe(false);
  });

  it('rejects a tampered signature, the wrong token and junk', () => {
    const flipped = (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1);
    expect(validateTwilioRequest(TOKEN, flipped, URL_, PARAMS)).toBe(false);
    expect(validateTwilioRequest(TOKEN, signature.slice(0, -2), URL_, PARAMS)).toBe(false);
    expect(validateTwilioRequest(`${TOKEN}x`, signature, URL_, PARAMS)).toBe(false);
    expect(validateTwilioRequest(TOKEN, '', URL_, PARAMS)).toBe(false);
    expect(validateTwilioRequest(TOKEN, 'not base64 at all!', URL_, PARAMS)).toBe(false);
  });

  it('returns false rather than throwing on values of the wrong type', () => {
    expect(validateTwilioRequest(TOKEN, undefined as unknown as string, URL_, PARAMS)).toBe(false);
    expect(validateTwilioRequest(TOKEN, signature, 'not a url', PARAMS)).toBe(false);
    expect(validateTwilioRequest(TOKEN, signature, URL_, null as unknown as Record<string, string>)).toBe(
      false,
    );
  });
});
