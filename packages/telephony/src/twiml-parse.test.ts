import { describe, expect, it } from 'vitest';
import { MAX_TWIML_LENGTH, parseTwiml, TwimlParseError } from './twiml-parse.ts';

function errorOf(f: () => unknown): TwimlParseError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(TwimlParseError);
    return err as TwimlParseError;
  }
  throw new Error('expected a TwimlParseError');
}

describe('parseTwiml', () => {
  it('reads every modelled verb in document order', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<!-- greeting first -->
<Response>
  <Say voice="Polly.Joanna" language="en-US">Hello</Say>
  <Pause length="2"/>
  <Connect>
    <Stream url="wss://voice.example/twilio-stream" statusCallback="https://voice.example/status">
      <Parameter name="brandId" value="b-1"/>
      <Parameter name="direction" value="inbound"/>
    </Stream>
  </Connect>
  <Dial callerId="+15550001111" timeout="25" action="/after-dial"><Number>+15550002222</Number></Dial>
  <Dial><Sip>sip:agent@pbx.example</Sip></Dial>
  <Dial>+15550003333</Dial>
  <Redirect method="POST">https://voice.example/next</Redirect>
  <Pause/>
  <Hangup/>
</Response>
`;
    expect(parseTwiml(xml)).toEqual([
      { verb: 'Say', text: 'Hello', voice: 'Polly.Joanna', language: 'en-US' },
      { verb: 'Pause', length: 2 },
      {
        verb: 'Connect',
        stream: {
          url: 'wss://voice.example/twilio-stream',
          statusCallback: 'https://voice.example/status',
          parameters: { brandId: 'b-1', direction: 'inbound' },
        },
      },
      { verb: 'Dial', callerId: '+15550001111', timeout: 25, number: '+15550002222', action: '/after-dial' },
      { verb: 'Dial', sip: 'sip:agent@pbx.example' },
      { verb: 'Dial', number: '+15550003333' },
      { verb: 'Redirect', url: 'https://voice.example/next', method: 'POST' },
      { verb: 'Pause' },
      { verb: 'Hangup' },
    ]);
  });

  it('leaves absent attributes absent rather than undefined', () => {
    const [say, dial] = parseTwiml('<Response><Say>Hi</Say><Dial><Number>1</Number></Dial></Response>');
    expect(Object.keys(say!)).toEqual(['verb', 'text']);
    expect(Object.keys(dial!)).toEqual(['verb', 'number']);
  });

  it('decodes predefined entities, character references and CDATA in text and attributes', () => {
    const xml =
      '<Response><Say voice="a&amp;b&quot;&apos;&lt;&gt;">x &lt;y&gt; &amp; &#65;&#x1F600; <![CDATA[<raw & text>]]></Say>' +
      '<Connect><Stream url=\'wss://h/p?a=1&amp;b=2\'><Parameter name="k&#10;" value="v&#9;w"/></Stream></Connect></Response>';
    expect(parseTwiml(xml)).toEqual([
      { verb: 'Say', voice: 'a&b"\'<>', text: 'x <y> & A\u{1F600} <raw & text>' },
      { verb: 'Connect', stream: { url: 'wss://h/p?a=1&b=2', parameters: { 'k\n': 'v\tw' } } },
    ]);
  });

  it('normalises literal whitespace in attribute values as XML requires', () => {
    const [say] = parseTwiml('<Response><Say voice="a\tb\nc">t</Say></Response>');
    expect(say).toMatchObject({ voice: 'a b c' });
  });

  it('flattens SSML inside Say into its text', () => {
    const [say] = parseTwiml(
      '<Response><Say>Hello <emphasis level="strong">there</emphasis><break time="1s"/>friend</Say></Response>',
    );
    expect(say).toEqual({ verb: 'Say', text: 'Hello therefriend' });
  });

  it('keeps real Twilio verbs it does not model as Other', () => {
    expect(
      parseTwiml('<Response><Play loop="2">https://a/b.mp3</Play><Reject reason="busy"/></Response>'),
    ).toEqual([
      { verb: 'Other', name: 'Play', attributes: { loop: '2' } },
      { verb: 'Other', name: 'Reject', attributes: { reason: 'busy' } },
    ]);
  });

  it('accepts a BOM, an empty Response and a self-closing Response', () => {
    expect(parseTwiml('\uFEFF<Response></Response>')).toEqual([]);
    expect(parseTwiml('<Response/>')).toEqual([]);
    expect(parseTwiml('<Response />\n<!-- done -->\n')).toEqual([]);
  });

  it('stores a __proto__ parameter as plain data without touching prototypes', () => {
    const [connect] = parseTwiml(
      '<Response><Connect><Stream url="wss://h"><Parameter name="__proto__" value="x"/><Parameter name="polluted" value="y"/></Stream></Connect></Response>',
    );
    const params = (connect as { stream: { parameters: Record<string, string> } }).stream.parameters;
    expect(Object.getPrototypeOf(params)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(params, '__proto__')?.value).toBe('x');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each<[string, string, string]>([
    ['empty', '', 'malformed_xml'],
    ['text only', 'hello', 'malformed_xml'],
    ['unclosed root', '<Response>', 'malformed_xml'],
    ['mismatched close', '<Response><Say>x</Pause></Response>', 'malformed_xml'],
    ['two roots', '<Response/><Response/>', 'malformed_xml'],
    ['text after root', '<Response/>x', 'malformed_xml'],
    ['unquoted attribute', '<Response><Pause length=2/></Response>', 'malformed_xml'],
    ['duplicate attribute', '<Response><Pause length="1" length="2"/></Response>', 'malformed_xml'],
    ['attribute without space', '<Response><Say voice="a"language="b">x</Say></Response>', 'malformed_xml'],
    ['raw < in attribute', '<Response><Say voice="<">x</Say></Response>', 'malformed_xml'],
    ['bare ampersand', '<Response><Say>a & b</Say></Response>', 'malformed_xml'],
    ['unknown entity', '<Response><Say>&nbsp;</Say></Response>', 'malformed_xml'],
    ['NUL reference', '<Response><Say>&#0;</Say></Response>', 'malformed_xml'],
    ['surrogate reference', '<Response><Say>&#xD800;</Say></Response>', 'malformed_xml'],
    ['out-of-range reference', '<Response><Say>&#x110000;</Say></Response>', 'malformed_xml'],
    ['raw NUL in text', '<Response><Say>a\u0000b</Say></Response>', 'malformed_xml'],
    [
      'raw lone surrogate in an attribute',
      '<Response><Say voice="\ud800">x</Say></Response>',
      'malformed_xml',
    ],
    ['DOCTYPE', '<!DOCTYPE r [<!ENTITY a "b">]><Response/>', 'malformed_xml'],
    ['unterminated comment', '<Response><!-- x</Response>', 'malformed_xml'],
    ['unterminated CDATA', '<Response><Say><![CDATA[x</Say></Response>', 'malformed_xml'],
    [']]> in text', '<Response><Say>a]]>b</Say></Response>', 'malformed_xml'],
    ['other root', '<Responses/>', 'no_response'],
    ['messaging root lower-case', '<response/>', 'no_response'],
    ['unknown verb', '<Response><Speak>x</Speak></Response>', 'unknown_verb'],
    ['text in Response', '<Response>hello<Hangup/></Response>', 'invalid_verb'],
    ['Connect without Stream', '<Response><Connect/></Response>', 'invalid_verb'],
    ['Stream without url', '<Response><Connect><Stream/></Connect></Response>', 'invalid_verb'],
    [
      'Parameter without name',
      '<Response><Connect><Stream url="wss://h"><Parameter/></Stream></Connect></Response>',
      'invalid_verb',
    ],
    ['Pause length not a number', '<Response><Pause length="two"/></Response>', 'invalid_verb'],
    ['Dial timeout negative', '<Response><Dial timeout="-1">1</Dial></Response>', 'invalid_verb'],
    ['Redirect without URL', '<Response><Redirect> </Redirect></Response>', 'invalid_verb'],
  ])('rejects %s', (_label, xml, code) => {
    expect(errorOf(() => parseTwiml(xml)).code).toBe(code);
  });

  it('rejects non-strings, oversize documents and deep nesting with typed codes', () => {
    expect(errorOf(() => parseTwiml(42 as unknown as string)).code).toBe('bad_input');
    const huge = `<Response><Say>${'a'.repeat(MAX_TWIML_LENGTH)}</Say></Response>`;
    expect(errorOf(() => parseTwiml(huge)).code).toBe('too_large');
    const deep = `<Response><Say>${'<b>'.repeat(10_000)}${'</b>'.repeat(10_000)}</Say></Response>`;
    expect(errorOf(() => parseTwiml(deep)).code).toBe('too_deep');
  });

  it('keeps messages short even for huge names', () => {
    const name = 'X'.repeat(100_000);
    const err = errorOf(() => parseTwiml(`<Response><Say>x</${name}></Response>`));
    expect(err.code).toBe('malformed_xml');
    expect(err.message.length).toBeLessThan(200);
  });

  it('names the problem and where it is', () => {
    const err = errorOf(() => parseTwiml('<Response><Say>x</Pause></Response>'));
    expect(err.message).toBe('</Pause> does not match <Say> at offset 16');
  });
});
