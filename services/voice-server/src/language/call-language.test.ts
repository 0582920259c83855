// The call's language on the call path: detection from the caller's first confident turn switches the
// live session with one session.update (the Spanish rule, transcription "es", never the voice, no new
// socket); "OK" or a name never switch; switch_language switches, refuses an unserved language with
// the offer of a transfer or a callback, and answers broken arguments with a tool error; lines,
// knowledge searches and a reconnect follow the language in force; app-server gets `language` messages.
import type { RealtimeSessionCreateRequest } from '@switchboard/realtime';
import type { ScriptedRealtimeConnection } from '@switchboard/realtime/testing';
import { describe, expect, it } from 'vitest';
import {
  BILINGUAL,
  CALL,
  callerSays,
  callTool,
  harness,
  SPANISH,
  settle,
  until,
} from '../testing/language.ts';

/** The session.updates sent after the first (the call's configuration), as their sessions. */
const updatesAfterStart = (rt: ScriptedRealtimeConnection) => sessions(rt).slice(1);
const sessions = (rt: ScriptedRealtimeConnection) =>
  rt.sentOfType('session.update').map((e) => e.session as RealtimeSessionCreateRequest);

function toolOutput(rt: ScriptedRealtimeConnection, callId: string): Record<string, unknown> | undefined {
  const item = rt
    .sentOfType('conversation.item.create')
    .map((e) => e.item as { type: string; call_id?: string; output?: string })
    .find((i) => i.type === 'function_call_output' && i.call_id === callId);
  return item?.output ? (JSON.parse(item.output) as Record<string, unknown>) : undefined;
}

async function languageMessages(h: ReturnType<typeof harness>) {
  h.session.transcript.flush();
  await settle();
  return h.appServer.transcript(CALL.callSid).filter((m) => m.source === 'language');
}

describe('the call starts in the first language', () => {
  it('greets word for word, states English in force and tells app-server the start language', async () => {
    const h = harness({ profile: BILINGUAL });
    const rt = await h.rt();
    const first = sessions(rt)[0]!;
    expect(first.instructions).toMatch(/# Language\nSpeak English \(en\) with the caller, unless/);
    // No hint before the caller's language is known: a hint of English would make the transcriber
    // render Spanish speech as English, and detection would never see Spanish.
    expect(first.audio?.input?.transcription).toBeDefined();
    expect(first.audio?.input?.transcription?.language).toBeUndefined();
    expect(JSON.stringify(first.tools)).toContain('"name":"switch_language"');
    expect(h.appServer.conversations.get(CALL.callSid)?.start.language).toBe('en');
    rt.emit({ type: 'session.updated', event_id: 'u', session: {} } as never);
    await settle();
    expect(JSON.stringify(rt.sentOfType('response.create')[0])).toContain('Hi, thanks for calling Acme.');
    h.session.stop();
    await h.done;
  });
});

describe('detection from the caller’s words', () => {
  it('a Spanish turn: one session.update with the Spanish rule and transcription es, no voice, no new socket', async () => {
    const h = harness({ profile: BILINGUAL });
    const rt = await h.rt();
    callerSays(rt, 'c1', SPANISH);
    await settle();
    const updates = updatesAfterStart(rt);
    expect(updates).toHaveLength(1);
    const s = updates[0]!;
    expect(s.instructions).toMatch(
      /Speak Spanish \(es\) with the caller, unless they ask for another language\.\nTrate al cliente de usted\.$/,
    );
    expect(s.instructions).not.toContain('Speak English');
    expect(s.audio?.input?.transcription).toEqual({ model: 'gpt-4o-mini-transcribe', language: 'es' });
    expect(s.audio?.output).toBeUndefined();
    expect(JSON.stringify(s)).not.toContain('voice');
    expect(h.connector.connections).toHaveLength(1);
    // The next turns are not detected again: an English one keeps Spanish.
    callerSays(rt, 'c2', 'Hi, I want to check my order status please');
    await settle();
    expect(updatesAfterStart(rt)).toHaveLength(1);
    const msgs = await languageMessages(h);
    expect(msgs).toEqual([
      expect.objectContaining({
        role: 'system',
        source: 'language',
        text: expect.stringMatching(/^Language: English → Spanish, detected 0\.\d+$/),
        languageSwitch: {
          from: 'en',
          to: 'es',
          how: 'detected',
          confidence: expect.any(Number),
          served: true,
        },
      }),
    ]);
    // In order with the caller's turn it came from.
    const all = h.appServer.transcript(CALL.callSid);
    expect(all.findIndex((m) => m.source === 'language')).toBeGreaterThan(
      all.findIndex((m) => m.role === 'caller'),
    );
    h.session.stop();
    await h.done;
  });

  it.each(['OK', 'yes', 'sí', 'Maria', 'Maria Gonzalez', 'no gracias'])(
    '"%s" never switches',
    async (words) => {
      const h = harness({ profile: BILINGUAL });
      const rt = await h.rt();
      callerSays(rt, 'c1', words);
      await settle();
      expect(updatesAfterStart(rt)).toHaveLength(0);
      expect(await languageMessages(h)).toHaveLength(0);
      // Detection is still on: the next confident turn switches.
      callerSays(rt, 'c2', SPANISH);
      await settle();
      expect(updatesAfterStart(rt)).toHaveLength(1);
      h.session.stop();
      await h.done;
    },
  );

  it('an unserved language: no switch; the model is asked to offer a transfer or a callback, recorded once', async () => {
    const h = harness({ profile: BILINGUAL });
    const rt = await h.rt();
    callerSays(rt, 'c1', 'Bonjour, je voudrais connaître le statut de ma commande');
    await settle();
    expect(updatesAfterStart(rt)).toHaveLength(0);
    const asked = rt.sentOfType('response.create').map((e) => e.response?.instructions ?? '');
    const offer = asked.find((i) => i.includes('The caller speaks French'));
    expect(offer).toContain('you speak English and Spanish');
    expect(offer).toMatch(/transfer them to a colleague or to arrange a callback/);
    const msgs = await languageMessages(h);
    expect(msgs).toEqual([
      expect.objectContaining({
        text: 'Language: English → French (not served)',
        languageSwitch: expect.objectContaining({ from: 'en', to: 'fr', how: 'detected', served: false }),
      }),
    ]);
    h.session.stop();
    await h.done;
  });
});

describe('switch_language', () => {
  it('served: switches by name; unserved: says so with the served list; broken arguments: a tool error', async () => {
    const h = harness({ profile: BILINGUAL });
    const rt = await h.rt();
    callTool(rt, 'r1', 'k1', 'switch_language', '{"language":"German"}');
    await until(() => toolOutput(rt, 'k1') !== undefined);
    expect(toolOutput(rt, 'k1')).toMatchObject({ ok: true, status: 'not_served', served: ['en', 'es'] });
    expect(String(toolOutput(rt, 'k1')?.instruction)).toMatch(/offer to transfer .* callback/);
    callTool(rt, 'r2', 'k2', 'switch_language', '{"lang":"es"}');
    await until(() => toolOutput(rt, 'k2') !== undefined);
    expect(toolOutput(rt, 'k2')).toMatchObject({
      ok: false,
      error: expect.stringContaining('Invalid arguments'),
    });
    callTool(rt, 'r3', 'k3', 'switch_language', '{"language":"Klingonish"}');
    await until(() => toolOutput(rt, 'k3') !== undefined);
    expect(toolOutput(rt, 'k3')).toMatchObject({
      ok: false,
      error: expect.stringContaining('not a language'),
    });
    expect(updatesAfterStart(rt)).toHaveLength(0);
    callTool(rt, 'r4', 'k4', 'switch_language', '{"language":"español"}');
    await until(() => toolOutput(rt, 'k4') !== undefined);
    expect(toolOutput(rt, 'k4')).toMatchObject({ ok: true, status: 'switched', language: 'es' });
    expect(updatesAfterStart(rt)).toHaveLength(1);
    expect(updatesAfterStart(rt)[0]!.instructions).toContain('Speak Spanish (es)');
    const msgs = await languageMessages(h);
    expect(msgs.map((m) => m.languageSwitch)).toEqual([
      { from: 'en', to: 'de', how: 'asked', served: false },
      { from: 'en', to: 'es', how: 'asked', served: true },
    ]);
    expect(msgs.map((m) => m.text)).toEqual([
      'Language: English → German (not served)',
      'Language: English → Spanish',
    ]);
    h.session.stop();
    await h.done;
  });
});

describe('after the switch', () => {
  it('the goodbye is the language’s own line, said with the Spanish rule in force', async () => {
    const h = harness({ profile: BILINGUAL });
    const rt = await h.rt();
    callerSays(rt, 'c1', SPANISH);
    await settle();
    h.session.endPolitely('max_duration');
    await settle();
    const bye = rt.sentOfType('response.create').at(-1)!.response!.instructions!;
    expect(bye).toContain('Say exactly this, and nothing else: "Gracias por llamar. ¡Adiós!"');
    expect(bye.lastIndexOf('Speak Spanish (es)')).toBeGreaterThan(-1);
    expect(bye).not.toContain('Speak English');
    h.session.stop();
    await h.done;
  });

  it('knowledge searches pass language "es"', async () => {
    const h = harness({ profile: BILINGUAL });
    const asked: Array<{ query: string; language?: string }> = [];
    const search = h.aiServer.searchKnowledge.bind(h.aiServer);
    h.aiServer.searchKnowledge = async (key: string, q: { query: string; language?: string }) => {
      asked.push(q);
      return search(key, q);
    };
    const rt = await h.rt();
    callTool(rt, 'r0', 'k0', 'get_knowledge', '{"query":"order status"}');
    await until(() => toolOutput(rt, 'k0') !== undefined);
    callerSays(rt, 'c1', SPANISH);
    await settle();
    callTool(rt, 'r1', 'k1', 'get_knowledge', '{"query":"estado del pedido"}');
    await until(() => toolOutput(rt, 'k1') !== undefined);
    expect(asked.map((q) => q.language)).toEqual(['en', 'es']);
    expect(toolOutput(rt, 'k1')).not.toHaveProperty('language_fell_back');
    // Nothing in Spanish: ai-server answered from the English articles; the model is told so.
    h.aiServer.searchKnowledge = async () => ({
      mode: 'lexical',
      language: 'en',
      languageFellBack: true,
      results: [
        { chunkId: 'c9', articleId: 'a9', title: 'Orders', text: 'Orders ship in 2 days.', score: 1 },
      ],
    });
    callTool(rt, 'r2', 'k2', 'get_knowledge', '{"query":"envío"}');
    await until(() => toolOutput(rt, 'k2') !== undefined);
    expect(toolOutput(rt, 'k2')).toMatchObject({
      language_fell_back: true,
      note: expect.stringContaining('these articles are in English'),
    });
    h.session.stop();
    await h.done;
  });

  it('a reconnect configures the new session in Spanish', async () => {
    const h = harness({ profile: BILINGUAL });
    const rt = await h.rt();
    callerSays(rt, 'c1', SPANISH);
    await settle();
    rt.drop(1011, 'server error');
    await until(() => h.connector.connections.length === 2, 'second session');
    const next = h.connector.connections[1]!;
    await until(() => next.sentOfType('session.update').length > 0, 'configured');
    const s = sessions(next)[0]!;
    expect(s.instructions).toContain('Speak Spanish (es) with the caller');
    expect(s.instructions).not.toContain('Speak English');
    expect(s.audio?.input?.transcription?.language).toBe('es');
    // The rest of the configuration survives the transcription patch.
    expect(s.audio?.input?.format).toEqual({ type: 'audio/pcmu' });
    expect(s.audio?.output?.voice).toBe('marin');
    h.session.stop();
    await h.done;
  });

  it('the still-there prompt is in Spanish', async () => {
    const h = harness({ profile: { ...BILINGUAL, inactivity: { promptAfterSec: 0.05, endAfterSec: 30 } } });
    const rt = await h.rt();
    callerSays(rt, 'c1', SPANISH);
    await until(
      () =>
        rt
          .sentOfType('response.create')
          .some((e) => (e.response?.instructions ?? '').includes('¿Sigue ahí?')),
      'the Spanish still-there prompt',
    );
    h.session.stop();
    await h.done;
  });
});
