// How the model loop reads the end of each response, alone: which statuses break a run of failures
// (the fallback after three in a row), the code a failure is counted and recorded under when the
// server says little or nothing, the lines asked for after a failure or a content-filter cut, and
// when a cut is apologised for again.
import { describe, expect, it } from 'vitest';
import { modelOutputAlone, responseDone } from '../testing/model-output-alone.ts';
import { AFTER_CONTENT_FILTER, AFTER_FAILED_RESPONSE } from './lines.ts';
import { MAX_FAILED_RESPONSES_IN_ROW } from './model-output.ts';

const serverError = { type: 'failed', error: { type: 'server_error', code: 'server_error' } };
const cut = (reason: string) => ({ type: 'incomplete', reason });

/** Plays response.done events with these statuses, in order; returns how often the call gave up. */
function play(statuses: string[]) {
  const o = modelOutputAlone();
  statuses.forEach((status, i) => {
    o.out.onEvent(
      responseDone(
        `r${i}`,
        status,
        status === 'failed' ? serverError : status === 'incomplete' ? cut('max_output_tokens') : undefined,
      ),
    );
  });
  return { ...o, gaveUp: () => o.argsOf('link.refusedForGood') };
}

describe('a run of failed responses', () => {
  it('is not broken by a cancelled response: the third failure still takes the fallback', () => {
    expect(MAX_FAILED_RESPONSES_IN_ROW).toBe(3);
    const o = play(['failed', 'failed', 'cancelled', 'failed']);
    expect(o.gaveUp()).toEqual([['response_failed_repeatedly']]);
    expect(o.names()).toContain('responses.reset');
  });

  it('is broken by an incomplete response (it was an answer): no fallback', () => {
    const o = play(['failed', 'failed', 'incomplete', 'failed', 'failed']);
    expect(o.gaveUp()).toEqual([]);
  });

  it('once the fallback is taken, a response that ends otherwise is handed on as usual, not given up again', () => {
    const o = play(['failed', 'failed', 'failed', 'cancelled']);
    expect(o.gaveUp()).toHaveLength(1);
    expect(o.argsOf('responses.onDone')).toEqual([
      ['r0', 'failed'],
      ['r1', 'failed'],
      ['r3', 'cancelled'],
    ]);
  });

  it('each failure is counted under its code, the one that takes the fallback too', () => {
    const o = play(['failed', 'failed', 'failed']);
    expect(o.metrics.realtimeErrors).toEqual(new Map([['response_failed:server_error', 3]]));
    expect(o.notes.at(-1)).toBe(
      'The model failed to answer 3 times in a row (server_error); the call took its fallback.',
    );
  });
});

describe('the code of a failed response', () => {
  const codeOf = (statusDetails: unknown) => {
    const o = modelOutputAlone();
    o.out.onEvent(responseDone('r1', 'failed', statusDetails));
    return { counted: [...o.metrics.realtimeErrors.keys()], note: o.notes[0] };
  };

  it("is the error's code, else its type", () => {
    expect(codeOf({ type: 'failed', error: { type: 'server_error', code: 'rate_limited' } })).toEqual({
      counted: ['response_failed:rate_limited'],
      note: 'The model failed to answer (rate_limited); asked again.',
    });
    expect(codeOf({ type: 'failed', error: { type: 'server_error' } })).toEqual({
      counted: ['response_failed:server_error'],
      note: 'The model failed to answer (server_error); asked again.',
    });
  });

  it('is `unknown` when the server gives no error, or no details at all', () => {
    const unknown = {
      counted: ['response_failed:unknown'],
      note: 'The model failed to answer (unknown); asked again.',
    };
    expect(codeOf({ type: 'failed' })).toEqual(unknown);
    expect(codeOf(undefined)).toEqual(unknown);
    expect(codeOf(null)).toEqual(unknown);
  });
});

describe('what is asked for after a failure', () => {
  it('a failure asked again asks for nothing more; one that was not gets the failure line', () => {
    const again = modelOutputAlone({ retried: true });
    again.out.onEvent(responseDone('r1', 'failed', serverError));
    expect(again.argsOf('responses.request')).toEqual([]);
    const notAgain = modelOutputAlone({ retried: false });
    notAgain.out.onEvent(responseDone('r1', 'failed', serverError));
    expect(notAgain.argsOf('responses.request')).toEqual([[{ kind: 'line', line: AFTER_FAILED_RESPONSE }]]);
    expect(notAgain.notes).toEqual(['The model failed to answer again (server_error).']);
  });
});

describe('incomplete responses', () => {
  it('are counted and recorded under their reason, `unknown` when the server gives none', () => {
    const o = modelOutputAlone();
    o.out.onEvent(responseDone('r1', 'incomplete', cut('max_output_tokens')));
    o.out.onEvent(responseDone('r2', 'incomplete'));
    o.out.onEvent(responseDone('r3', 'incomplete', null));
    expect(o.metrics.realtimeErrors).toEqual(
      new Map([
        ['response_incomplete:max_output_tokens', 1],
        ['response_incomplete:unknown', 2],
      ]),
    );
    expect(o.notes).toEqual([
      "The model's answer was cut short (max_output_tokens); what was said stands.",
      "The model's answer was cut short (unknown); what was said stands.",
      "The model's answer was cut short (unknown); what was said stands.",
    ]);
    expect(o.argsOf('responses.request')).toEqual([]);
  });

  it('the very first response cut by the content filter is apologised for', () => {
    const o = modelOutputAlone();
    o.out.onEvent(responseDone('r_greet', 'incomplete', cut('content_filter')));
    expect(o.argsOf('responses.request')).toEqual([[{ kind: 'line', line: AFTER_CONTENT_FILTER }]]);
  });

  it('an apology that was cancelled is not an answer that went through: a second cut is not apologised for', () => {
    const o = modelOutputAlone();
    o.out.onEvent(responseDone('r1', 'incomplete', cut('content_filter')));
    o.out.onEvent(responseDone('r_apology', 'cancelled')); // the caller spoke over it
    o.out.onEvent(responseDone('r2', 'incomplete', cut('content_filter')));
    expect(o.argsOf('responses.request')).toHaveLength(1);
    expect(o.notes.at(-1)).toBe("The content filter cut the model's apology too; nothing more was asked.");
  });
});
