import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { connectStreamTwiml, dialTwiml, hangupTwiml, sayAndHangupTwiml } from './twiml.ts';
import { parseTwiml } from './twiml-parse.ts';

const SPECIAL = `quote " apos ' amp & lt < gt > tab\tnewline\ncr\r emoji 🎧 accents éà`;

describe('connectStreamTwiml', () => {
  it('opens a bidirectional stream with parameters in order', () => {
    const xml = connectStreamTwiml({
      url: 'wss://voice.example/twilio-stream',
      parameters: { bot_profile_key: 'acme', is_sip_call: 'false', original_caller_number: '+15550100' },
    });
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream ')).toBe(true);
    const verbs = parseTwiml(xml);
    expect(verbs).toEqual([
      {
        verb: 'Connect',
        stream: {
          url: 'wss://voice.example/twilio-stream',
          parameters: { bot_profile_key: 'acme', is_sip_call: 'false', original_caller_number: '+15550100' },
        },
      },
    ]);
    const params = (verbs[0] as { stream: { parameters: object } }).stream.parameters;
    expect(Object.keys(params)).toEqual(['bot_profile_key', 'is_sip_call', 'original_caller_number']);
  });

  it('escapes special characters in the URL, names and values so they arrive unchanged', () => {
    const url = 'wss://voice.example/s?a=1&b="2"&c=<3>';
    const xml = connectStreamTwiml({
      url,
      parameters: { [SPECIAL]: SPECIAL, plain: '' },
      statusCallback: 'https://voice.example/status?x=1&y=2',
    });
    expect(xml).toContain('url="wss://voice.example/s?a=1&amp;b=&quot;2&quot;&amp;c=&lt;3>"');
    expect(parseTwiml(xml)).toEqual([
      {
        verb: 'Connect',
        stream: {
          url,
          parameters: { [SPECIAL]: SPECIAL, plain: '' },
          statusCallback: 'https://voice.example/status?x=1&y=2',
        },
      },
    ]);
  });

  it('leaves statusCallback out when not given, and accepts no parameters', () => {
    const [connect] = parseTwiml(connectStreamTwiml({ url: 'wss://h/s' }));
    expect(connect).toEqual({ verb: 'Connect', stream: { url: 'wss://h/s', parameters: {} } });
    expect(connectStreamTwiml({ url: 'wss://h/s' })).not.toContain('statusCallback');
  });

  it('carries a parameter literally named __proto__ as data', () => {
    const parameters = JSON.parse('{"__proto__":"p","constructor":"c"}') as Record<string, string>;
    const [connect] = parseTwiml(connectStreamTwiml({ url: 'wss://h/s', parameters }));
    const parsed = (connect as { stream: { parameters: Record<string, string> } }).stream.parameters;
    expect(Object.getOwnPropertyDescriptor(parsed, '__proto__')?.value).toBe('p');
    expect(parsed.constructor).toBe('c');
    expect(({} as Record<string, unknown>).p).toBeUndefined();
  });

  it('drops characters XML cannot carry instead of throwing', () => {
    const xml = connectStreamTwiml({
      url: 'wss://h/s',
      parameters: { freshcaller_call_id: 'id\u0000-7\u0008', bad: 'lone \ud800 surrogate \uffff' },
    });
    expect(parseTwiml(xml)).toEqual([
      {
        verb: 'Connect',
        stream: { url: 'wss://h/s', parameters: { freshcaller_call_id: 'id-7', bad: 'lone  surrogate ' } },
      },
    ]);
  });
});

describe('connectStreamTwiml with a recording', () => {
  // https://www.twilio.com/docs/voice/twiml/recording: <Start><Recording> records from that point on.
  it('starts the recording before the consent notice and the stream', () => {
    const xml = connectStreamTwiml({
      url: 'wss://voice.example/twilio-stream',
      sayFirst: { text: 'This call is recorded.', language: 'en-GB' },
      startRecording: { statusCallback: 'https://voice.example/twilio-recording/status', channels: 'dual' },
    });
    expect(xml).toContain(
      '<Start><Recording channels="dual" recordingStatusCallback="https://voice.example/twilio-recording/status" recordingStatusCallbackEvent="completed absent"/></Start>',
    );
    const verbs = parseTwiml(xml);
    expect(verbs.map((v) => v.verb)).toEqual(['Start', 'Say', 'Connect']);
    expect(verbs[0]).toEqual({
      verb: 'Start',
      recording: {
        channels: 'dual',
        recordingStatusCallback: 'https://voice.example/twilio-recording/status',
        recordingStatusCallbackEvent: 'completed absent',
      },
    });
  });

  it('reads <Start> without a <Recording> (a stream fork) as a verb it does not model', () => {
    const verbs = parseTwiml('<Response><Start><Stream url="wss://x.example/s"/></Start></Response>');
    expect(verbs).toEqual([{ verb: 'Other', name: 'Start', attributes: {} }]);
  });
});

describe('sayAndHangupTwiml', () => {
  it('says the text then hangs up', () => {
    expect(parseTwiml(sayAndHangupTwiml('We are closed. Goodbye.'))).toEqual([
      { verb: 'Say', text: 'We are closed. Goodbye.' },
      { verb: 'Hangup' },
    ]);
  });

  it('passes voice and language, and keeps special characters in the text exactly', () => {
    const xml = sayAndHangupTwiml(SPECIAL, { voice: 'Polly.Joanna-Neural', language: 'en-US' });
    expect(xml).not.toContain('<3');
    expect(parseTwiml(xml)).toEqual([
      { verb: 'Say', text: SPECIAL, voice: 'Polly.Joanna-Neural', language: 'en-US' },
      { verb: 'Hangup' },
    ]);
  });

  it('survives text with control characters and lone surrogates (from a model or a header)', () => {
    expect(parseTwiml(sayAndHangupTwiml('bye\u0000 now\u000b \udfff!'))).toEqual([
      { verb: 'Say', text: 'bye now !' },
      { verb: 'Hangup' },
    ]);
  });
});

describe('dialTwiml', () => {
  it('dials a number with callerId and timeout, after an optional Say', () => {
    const xml = dialTwiml({
      number: '+15550100',
      callerId: '+15550199',
      timeoutSec: 25,
      say: 'Transferring you now.',
      sayOptions: { voice: 'alice' },
    });
    expect(parseTwiml(xml)).toEqual([
      { verb: 'Say', text: 'Transferring you now.', voice: 'alice' },
      { verb: 'Dial', callerId: '+15550199', timeout: 25, number: '+15550100' },
    ]);
  });

  it('dials a SIP URI', () => {
    expect(
      parseTwiml(dialTwiml({ sipUri: 'sip:agent@pbx.example;transport=tls', callerId: '+15550199' })),
    ).toEqual([{ verb: 'Dial', callerId: '+15550199', sip: 'sip:agent@pbx.example;transport=tls' }]);
  });

  it('omits the timeout when none is given', () => {
    const [dial] = parseTwiml(dialTwiml({ number: '+15550100', callerId: '+15550199' }));
    expect(dial).toEqual({ verb: 'Dial', callerId: '+15550199', number: '+15550100' });
  });

  it('refuses both or neither of number and sipUri', () => {
    expect(() => dialTwiml({ number: '+1', sipUri: 'sip:a@b', callerId: '+2' })).toThrow(/exactly one/);
    expect(() => dialTwiml({ callerId: '+2' })).toThrow(/exactly one/);
  });
});

describe('hangupTwiml', () => {
  it('is a lone Hangup', () => {
    expect(hangupTwiml()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>');
    expect(parseTwiml(hangupTwiml())).toEqual([{ verb: 'Hangup' }]);
  });
});

describe('parseTwiml agrees with the twilio SDK builder', () => {
  it('reads what VoiceResponse writes for every verb it models', () => {
    const r = new twilio.twiml.VoiceResponse();
    r.say({ voice: 'man', language: 'fr-FR' }, 'Bonjour & <bienvenue>');
    r.pause({ length: 3 });
    r.redirect({ method: 'GET' }, 'https://h/next?a=1&b=2');
    r.dial({ callerId: '+15550199', timeout: 9, action: '/done' }).number('+15550100');
    r.connect().stream({ url: 'wss://h/s' }).parameter({ name: 'k', value: 'v' });
    r.play({ loop: 2 }, 'https://h/a.mp3');
    r.hangup();
    expect(parseTwiml(r.toString())).toEqual([
      { verb: 'Say', text: 'Bonjour & <bienvenue>', voice: 'man', language: 'fr-FR' },
      { verb: 'Pause', length: 3 },
      { verb: 'Redirect', url: 'https://h/next?a=1&b=2', method: 'GET' },
      { verb: 'Dial', callerId: '+15550199', timeout: 9, number: '+15550100', action: '/done' },
      { verb: 'Connect', stream: { url: 'wss://h/s', parameters: { k: 'v' } } },
      { verb: 'Other', name: 'Play', attributes: { loop: '2' } },
      { verb: 'Hangup' },
    ]);
  });
});
