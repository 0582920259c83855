import { describe, expect, it } from 'vitest';
import { RealtimeProtocolError } from './errors.ts';
import { applySessionUpdate, defaultSessionConfig, type SimSessionConfig } from './session-config.ts';

const fresh = (): SimSessionConfig => defaultSessionConfig('sess_test', 'gpt-realtime', 1_700_000_000_000);
const ok = { audioProduced: false };

function rejection(update: unknown, config = fresh(), context = ok): RealtimeProtocolError {
  try {
    applySessionUpdate(config, update, context);
  } catch (err) {
    if (err instanceof RealtimeProtocolError) return err;
    throw err;
  }
  throw new Error('update was accepted');
}

describe('defaultSessionConfig', () => {
  it('starts like the real API: PCM 24 kHz, server VAD defaults, audio out, 60 minute expiry', () => {
    const c = fresh();
    expect(c.audio.input.format).toEqual({ type: 'audio/pcm', rate: 24000 });
    expect(c.audio.input.turn_detection).toMatchObject({
      type: 'server_vad',
      threshold: 0.5,
      prefix_padding_ms: 300,
      silence_duration_ms: 500,
      create_response: true,
      interrupt_response: true,
    });
    expect(c.output_modalities).toEqual(['audio']);
    expect(c.expires_at).toBe(1_700_000_000 + 3600);
  });
});

describe('applySessionUpdate', () => {
  it('merges a telephony update and fills turn detection defaults', () => {
    const before = fresh();
    const next = applySessionUpdate(
      before,
      {
        type: 'realtime',
        instructions: 'Be brief.',
        audio: {
          input: {
            format: { type: 'audio/pcmu' },
            turn_detection: { type: 'server_vad', threshold: 0.9, silence_duration_ms: 300 },
            noise_reduction: { type: 'near_field' },
          },
          output: { format: { type: 'audio/pcmu' }, voice: 'cedar', speed: 1.2 },
        },
        tools: [
          { type: 'function', name: 'get_knowledge', description: 'Search', parameters: { type: 'object' } },
        ],
        tool_choice: 'auto',
      },
      ok,
    );
    expect(next.instructions).toBe('Be brief.');
    expect(next.audio.input.format).toEqual({ type: 'audio/pcmu' });
    expect(next.audio.input.turn_detection).toEqual({
      type: 'server_vad',
      threshold: 0.9,
      prefix_padding_ms: 300,
      silence_duration_ms: 300,
      idle_timeout_ms: null,
      create_response: true,
      interrupt_response: true,
    });
    expect(next.audio.output).toEqual({ format: { type: 'audio/pcmu' }, voice: 'cedar', speed: 1.2 });
    expect(next.tools[0]?.name).toBe('get_knowledge');
    // untouched fields survive and the input object is not modified
    expect(next.audio.input.transcription).toBeNull();
    expect(before.audio.input.format).toEqual({ type: 'audio/pcm', rate: 24000 });
  });

  it('accepts turn_detection null, semantic VAD, pcma and pcm 24000', () => {
    expect(
      applySessionUpdate(fresh(), { type: 'realtime', audio: { input: { turn_detection: null } } }, ok).audio
        .input.turn_detection,
    ).toBeNull();
    expect(
      applySessionUpdate(
        fresh(),
        {
          type: 'realtime',
          audio: { input: { turn_detection: { type: 'semantic_vad', eagerness: 'high' } } },
        },
        ok,
      ).audio.input.turn_detection,
    ).toEqual({ type: 'semantic_vad', eagerness: 'high', create_response: true, interrupt_response: true });
    const pcma = applySessionUpdate(
      fresh(),
      { type: 'realtime', audio: { output: { format: { type: 'audio/pcma' } } } },
      ok,
    );
    expect(pcma.audio.output.format).toEqual({ type: 'audio/pcma' });
    const pcm = applySessionUpdate(
      fresh(),
      { type: 'realtime', audio: { input: { format: { type: 'audio/pcm', rate: 24000 } } } },
      ok,
    );
    expect(pcm.audio.input.format).toEqual({ type: 'audio/pcm', rate: 24000 });
  });

  it.each([
    [{}, 'missing_required_parameter', 'session.type'],
    [{ type: 'transcription' }, 'invalid_value', 'session.type'],
    [
      { type: 'realtime', input_audio_format: 'g711_ulaw' },
      'unknown_parameter',
      'session.input_audio_format',
    ],
    [{ type: 'realtime', voice: 'alloy' }, 'unknown_parameter', 'session.voice'],
    [
      { type: 'realtime', audio: { input: { format: { type: 'audio/wav' } } } },
      'invalid_value',
      'session.audio.input.format.type',
    ],
    [
      { type: 'realtime', audio: { input: { format: { type: 'audio/pcm', rate: 16000 } } } },
      'invalid_value',
      'session.audio.input.format.rate',
    ],
    [
      { type: 'realtime', audio: { input: { turn_detection: { type: 'server_vad', threshold: 1.5 } } } },
      'decimal_above_max_value',
      'session.audio.input.turn_detection.threshold',
    ],
    [
      {
        type: 'realtime',
        audio: { input: { turn_detection: { type: 'server_vad', silence_duration_ms: -5 } } },
      },
      'integer_below_min_value',
      'session.audio.input.turn_detection.silence_duration_ms',
    ],
    [
      {
        type: 'realtime',
        audio: { input: { turn_detection: { type: 'server_vad', prefix_padding_ms: '300' } } },
      },
      'invalid_type',
      'session.audio.input.turn_detection.prefix_padding_ms',
    ],
    [
      { type: 'realtime', audio: { input: { turn_detection: { type: 'semantic_vad', threshold: 0.5 } } } },
      'unknown_parameter',
      'session.audio.input.turn_detection.threshold',
    ],
    [
      {
        type: 'realtime',
        audio: { input: { turn_detection: { type: 'semantic_vad', eagerness: 'eager' } } },
      },
      'invalid_value',
      'session.audio.input.turn_detection.eagerness',
    ],
    [
      { type: 'realtime', audio: { input: { noise_reduction: { type: 'studio' } } } },
      'invalid_value',
      'session.audio.input.noise_reduction.type',
    ],
    [
      { type: 'realtime', audio: { output: { speed: 2 } } },
      'decimal_above_max_value',
      'session.audio.output.speed',
    ],
    [
      { type: 'realtime', audio: { output: { speed: 0.1 } } },
      'decimal_below_min_value',
      'session.audio.output.speed',
    ],
    [
      { type: 'realtime', tools: [{ type: 'function', name: 'bad name!' }] },
      'invalid_value',
      'session.tools[0].name',
    ],
    [{ type: 'realtime', tools: [{ name: 'x' }] }, 'missing_required_parameter', 'session.tools[0].type'],
    [{ type: 'realtime', tool_choice: 'sometimes' }, 'invalid_value', 'session.tool_choice'],
    [
      { type: 'realtime', output_modalities: ['audio', 'text'] },
      'invalid_value',
      'session.output_modalities',
    ],
    [{ type: 'realtime', instructions: 42 }, 'invalid_type', 'session.instructions'],
    [{ type: 'realtime', max_output_tokens: 5000 }, 'integer_above_max_value', 'session.max_output_tokens'],
    ['not an object', 'invalid_type', 'session'],
  ])('rejects %j with %s at %s', (update, code, param) => {
    const err = rejection(update);
    expect(err.code).toBe(code);
    expect(err.param).toBe(param);
    // like the real API, enum errors quote the bad value and leave the path to `param`
    if (code === 'invalid_value' && err.message.startsWith('Invalid value:'))
      expect(err.message).toContain('Supported values');
    else
      expect(err.message).toContain(
        param
          .split('.')
          .at(-1)!
          .replace(/\[\d+\]$/, ''),
      );
  });

  it('fixes the voice once audio has been produced, but accepts re-sending the same one', () => {
    const produced = { audioProduced: true };
    const err = rejection({ type: 'realtime', audio: { output: { voice: 'ash' } } }, fresh(), produced);
    expect(err.code).toBe('cannot_update_voice');
    expect(
      applySessionUpdate(fresh(), { type: 'realtime', audio: { output: { voice: 'marin' } } }, produced).audio
        .output.voice,
    ).toBe('marin');
  });
});
