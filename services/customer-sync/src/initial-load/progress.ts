/** How much of a file a load has read, 0..1 (an empty file is loaded once opened). */
export function loadedFraction(bytes: number, totalBytes: number): number {
  return totalBytes > 0 ? Math.min(1, Math.max(0, bytes / totalBytes)) : 1;
}

/** A progress bar on a terminal, a plain line every few seconds otherwise (CI logs, pipes). */
export class Progress {
  private lastLine = 0;
  private readonly started = Date.now();

  constructor(
    private readonly totalBytes: number,
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly startBytes = 0,
  ) {}

  update(records: number, bytes: number, extra: string): void {
    const fraction = loadedFraction(bytes, this.totalBytes);
    const seconds = Math.max(0.001, (Date.now() - this.started) / 1000);
    const rate = Math.round(records / seconds);
    const doneBytes = Math.max(1, bytes - this.startBytes);
    const eta = fraction < 1 ? Math.round(((this.totalBytes - bytes) * seconds) / doneBytes) : 0;
    const width = 30;
    const filled = Math.round(fraction * width);
    const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(fraction * 100).toFixed(1).padStart(5)}%`;
    const line = `${bar} ${records.toLocaleString('en')} records  ${rate.toLocaleString('en')}/s  ETA ${eta}s  ${extra}`;
    if (this.out.isTTY) {
      this.out.write(`\r${line.padEnd(this.out.columns ? this.out.columns - 1 : 120)}`);
    } else if (Date.now() - this.lastLine > 5_000 || fraction === 1) {
      this.lastLine = Date.now();
      this.out.write(`${line}\n`);
    }
  }

  done(): void {
    if (this.out.isTTY) this.out.write('\n');
  }
}
