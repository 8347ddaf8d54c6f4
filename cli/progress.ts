/**
 * A single status line for long-running commands. On a terminal it redraws in place with `\r`;
 * anywhere else (a pipe, a CI log, a file) `\r` would pile up into one unreadable line, so it
 * prints a plain line at most every `plainIntervalMs` instead.
 */

/** The subset of a writable stream the progress line needs. */
export interface ProgressStream {
  write(chunk: string): boolean;
  readonly isTTY?: boolean;
}

/** Options of {@link ProgressLine}. */
export interface ProgressLineOptions {
  /** Minimum time between two plain (non-TTY) lines. Default 1000 ms. */
  readonly plainIntervalMs?: number;
  /** Force TTY or plain behaviour; default: `stream.isTTY`. */
  readonly tty?: boolean;
}

/** Writes a live status line; call {@link ProgressLine.done} before printing anything else. */
export class ProgressLine {
  readonly #stream: ProgressStream;
  readonly #tty: boolean;
  readonly #interval: number;
  #lastPlain = -Infinity;
  #width = 0;

  constructor(stream: ProgressStream, options: ProgressLineOptions = {}) {
    this.#stream = stream;
    this.#tty = options.tty ?? stream.isTTY === true;
    this.#interval = options.plainIntervalMs ?? 1000;
  }

  /** Shows `text` now (TTY) or when the plain interval has passed (non-TTY). */
  update(text: string, now = Date.now()): void {
    if (this.#tty) {
      const pad = Math.max(0, this.#width - text.length);
      this.#stream.write(`\r${text}${' '.repeat(pad)}`);
      this.#width = text.length;
      return;
    }
    if (now - this.#lastPlain < this.#interval) return;
    this.#lastPlain = now;
    this.#stream.write(`${text}\n`);
  }

  /** Ends the line: prints `text` (if given) as the final state and moves to a new line. */
  done(text?: string): void {
    if (this.#tty) {
      if (text !== undefined) this.update(text);
      if (this.#width > 0) this.#stream.write('\n');
      this.#width = 0;
      return;
    }
    if (text !== undefined) this.#stream.write(`${text}\n`);
  }
}
