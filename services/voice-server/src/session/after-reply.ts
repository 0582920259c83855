import type { Logger } from '@switchboard/service-kit';
import { errInfo } from './call-types.ts';
import type { CallLifecycle } from './lifecycle.ts';
import { actionFailedNote } from './lines.ts';
import type { PlaybackTracker } from './playback-tracker.ts';

/** Longest wait for Twilio to confirm a goodbye or transition line has played. */
export const MAX_AFTER_REPLY_WAIT_MS = 20_000;

interface Action {
  toolName: string;
  action: () => Promise<void>;
}

/**
 * Call actions that wait for the agent's next reply to be heard in full: the transfer after its
 * transition line, the hang-up after the goodbye. The reply is the next response created once an action
 * is waiting; when it is done and its audio has played, the actions run in order. A caller who
 * interrupts that reply cancels them.
 */
export class AfterReply {
  private actions: Action[] = [];
  /** The reply the actions wait for, once it has started. */
  private responseId: string | undefined;
  /** Bumped on barge-in: a reply the caller interrupted no longer triggers its actions. */
  private generation = 0;

  constructor(
    private readonly deps: {
      playback: PlaybackTracker;
      lifecycle: CallLifecycle;
      log: Logger;
      /** A note to the model followed by a response (after an action failed). */
      tellModel: (text: string) => void;
    },
  ) {}

  /** Runs `action` once the model's next reply has been heard. */
  add(toolName: string, action: () => Promise<void>): void {
    this.actions.push({ toolName, action });
  }

  /** Replaces whatever was waiting with `action`, for the next reply (the platform's own goodbye). */
  replace(toolName: string, action: () => Promise<void>): void {
    this.actions = [{ toolName, action }];
    this.responseId = undefined;
  }

  onResponseCreated(responseId: string | undefined): void {
    if (this.actions.length && !this.responseId) this.responseId = responseId;
  }

  onResponseDone(responseId: string): void {
    if (responseId && responseId === this.responseId) this.run();
  }

  /** The caller interrupted: the reply they cut off no longer triggers anything. */
  onBargeIn(): void {
    this.generation++;
    if (!this.actions.length) return;
    this.dropped(this.actions);
    this.clear();
  }

  clear(): void {
    this.actions = [];
    this.responseId = undefined;
  }

  private run(): void {
    const actions = this.actions;
    const generation = this.generation;
    this.clear();
    const { playback, lifecycle } = this.deps;
    let timer: NodeJS.Timeout | undefined;
    const played = Promise.race([
      playback.whenIdle(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, MAX_AFTER_REPLY_WAIT_MS);
      }),
    ]);
    void played.then(async () => {
      clearTimeout(timer);
      if (generation !== this.generation) {
        this.dropped(actions);
        return;
      }
      for (const { toolName, action } of actions) {
        if (lifecycle.isEnded) return;
        try {
          await action();
        } catch (err) {
          this.deps.log.warn({ tool: toolName, err: errInfo(err) }, 'call action failed');
          this.deps.tellModel(actionFailedNote(toolName, errInfo(err).message));
        }
      }
    });
  }

  private dropped(actions: Action[]): void {
    this.deps.log.info(
      { tools: actions.map((a) => a.toolName) },
      'caller interrupted; pending call actions dropped',
    );
  }
}
