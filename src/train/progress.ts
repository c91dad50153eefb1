/** Where progress lines go: stderr in the CLI, anything with write() elsewhere. */
export interface ProgressSink {
  write(text: string): void;
  /** Redraw one line in place (a terminal) or print occasional lines (a log). */
  isTTY?: boolean;
}

export interface ProgressState {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  images: number;
  elapsedSeconds: number;
  loss: number;
  accuracy: number;
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** One Keras-style progress line: batches done/total, bar, elapsed, ETA, images/s, running loss and accuracy. */
export function formatProgressLine(state: ProgressState, width = 30): string {
  const { batch, batches, elapsedSeconds, images } = state;
  const digits = String(batches).length;
  const fraction = batches === 0 ? 1 : batch / batches;
  const filled = Math.floor(fraction * width);
  const bar = batch >= batches ? '='.repeat(width) : `${'='.repeat(filled)}>${'.'.repeat(Math.max(0, width - filled - 1))}`;
  const rate = elapsedSeconds > 0 ? images / elapsedSeconds : 0;
  const timing = batch >= batches ? `${formatDuration(elapsedSeconds)}` : `${formatDuration(elapsedSeconds)} ETA ${formatDuration(fraction > 0 ? (elapsedSeconds / fraction) * (1 - fraction) : Infinity)}`;
  return `${String(batch).padStart(digits)}/${batches} [${bar}] ${timing} - ${Math.round(rate).toLocaleString('en-US')} img/s - loss: ${state.loss.toFixed(4)} - accuracy: ${state.accuracy.toFixed(4)}`;
}

/**
 * A progress bar per epoch. On a terminal it redraws at most ~10 times a second; in a log it
 * prints a line at each quarter of the epoch, so CI logs stay short.
 */
export class ProgressBar {
  private lastDraw = 0;
  private lastQuarter = 0;

  constructor(private readonly sink: ProgressSink) {}

  epochStart(epoch: number, epochs: number): void {
    this.lastDraw = 0;
    this.lastQuarter = 0;
    this.sink.write(`Epoch ${epoch}/${epochs}\n`);
  }

  update(state: ProgressState): void {
    const done = state.batch >= state.batches;
    if (this.sink.isTTY) {
      const now = state.elapsedSeconds;
      if (!done && now - this.lastDraw < 0.1) return;
      this.lastDraw = now;
      this.sink.write(`\r${formatProgressLine(state)}\x1b[K`);
      return;
    }
    const quarter = Math.floor((state.batch / state.batches) * 4);
    if (done || quarter > this.lastQuarter) {
      this.lastQuarter = quarter;
      if (!done) this.sink.write(`${formatProgressLine(state)}\n`);
    }
  }

  epochEnd(state: ProgressState, validation?: { loss: number; accuracy: number }): void {
    const extra = validation ? ` - val_loss: ${validation.loss.toFixed(4)} - val_accuracy: ${validation.accuracy.toFixed(4)}` : '';
    this.sink.write(`${this.sink.isTTY ? '\r' : ''}${formatProgressLine(state)}${extra}${this.sink.isTTY ? '\x1b[K' : ''}\n`);
  }
}
