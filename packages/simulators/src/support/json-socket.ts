/**
 * The server side of a JSON-message WebSocket in the provider simulators: every message sent is kept
 * for tests, nothing is sent once closing began, and a close happens once.
 */
import type { WebSocket } from 'ws';

/** One accepted socket. */
export class JsonSocket {
  /** Messages sent, in order. */
  readonly sent: Array<Record<string, unknown>> = [];
  /** Resolves with the close code and reason (from either side). */
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly socket: WebSocket;
  private open = true;

  /** `onClosed` runs once when the socket closes, whichever side closed it. */
  constructor(socket: WebSocket, onClosed?: () => void) {
    this.socket = socket;
    this.closed = new Promise((resolve) =>
      socket.on('close', (code, reason) => {
        this.open = false;
        onClosed?.();
        resolve({ code, reason: reason.toString() });
      }),
    );
    socket.on('error', () => {
      // a broken client socket ends through 'close'
    });
  }

  /** True until closing began. */
  get isOpen(): boolean {
    return this.open;
  }

  /** Sends and records a message (nothing once closing began). */
  send(message: Record<string, unknown>): void {
    if (!this.open) return;
    this.sent.push(message);
    this.socket.send(JSON.stringify(message));
  }

  /** Closes with `code` and `reason`; false when closing had already begun. */
  close(code: number, reason: string): boolean {
    if (!this.open) return false;
    this.open = false;
    this.socket.close(code, reason);
    return true;
  }
}
