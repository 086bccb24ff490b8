/**
 * Runs a sampling task once at start, then every interval until stopped, then once more so the
 * last stretch of the run is covered. A tick is skipped rather than piled up while the previous
 * one is still running, so a slow machine gets fewer samples, not a backlog.
 */
export class PeriodicTask {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;

  constructor(
    private readonly task: () => Promise<void>,
    private readonly intervalMs: number,
  ) {}

  async start(): Promise<void> {
    await this.task();
    this.timer = setInterval(() => {
      if (this.inFlight) return;
      this.inFlight = this.task().finally(() => {
        this.inFlight = undefined;
      });
    }, this.intervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.inFlight) await this.inFlight;
    await this.task();
  }
}
