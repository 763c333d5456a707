import type { Notifier, RolloutEvent } from "../types";

/**
 * A notifier that never rejects: a chat outage must not fail or stall a rollout. The first failure
 * is logged (messages are already redacted); later ones are counted, not repeated on every step.
 */
export class FailSafeNotifier implements Notifier {
  private failures = 0;

  constructor(
    private readonly name: string,
    private readonly inner: Notifier,
    private readonly log: (message: string) => void,
  ) {}

  async notify(event: RolloutEvent): Promise<void> {
    try {
      await this.inner.notify(event);
    } catch (error) {
      this.failures++;
      if (this.failures === 1) {
        this.log(
          `ion-rollout: ${this.name} notification failed (${(error as Error).message}); the rollout continues, further ${this.name} failures are not logged`,
        );
      }
    }
  }

  /** How many notifications were lost, for the report. */
  get failed(): number {
    return this.failures;
  }
}

/** Sends every event to each notifier at once; one slow or failing channel does not hold up another. */
export class FanOutNotifier implements Notifier {
  constructor(readonly notifiers: readonly Notifier[]) {}

  async notify(event: RolloutEvent): Promise<void> {
    await Promise.allSettled(this.notifiers.map((notifier) => notifier.notify(event)));
  }
}
