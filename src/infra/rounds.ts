/**
 * The schedule of a dispatcher's rounds (the email outbox, webhooks): one
 * round at a time; the next one `pollIntervalMs` after the last, or at once
 * when the last one was asked for again while it ran (`nudge`, after a commit
 * wrote work) or says more is waiting (it filled its batch). `stop` schedules
 * nothing more and waits for the round in flight.
 */
export class Rounds {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  /** Not started, or stopped: no rounds are scheduled. */
  private stopped = true;

  constructor(
    /** One round; answers whether more work is waiting right now. */
    private readonly round: () => Promise<boolean>,
    private readonly pollIntervalMs: number,
    private readonly onFailure: (error: unknown) => void,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Asks for a round soon. */
  nudge(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      let more = false;
      this.running = this.round()
        .then(
          (waiting) => {
            more = waiting;
          },
          (error: unknown) => this.onFailure(error),
        )
        .finally(() => {
          this.running = null;
          const rerun = this.again || more;
          this.again = false;
          this.schedule(rerun ? 0 : this.pollIntervalMs);
        });
    }, delay);
    this.timer.unref();
  }
}
