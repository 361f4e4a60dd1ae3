import { Injectable } from '@nestjs/common';

/**
 * The in-process fast path: after a transaction that wrote a message commits, the dispatcher of this
 * instance is poked instead of waiting for its next poll. Correctness never depends on it — polling
 * (WEBHOOK_POLL_MS) finds every message, including those written by other instances.
 */
@Injectable()
export class WebhookWakeup {
  private listener: (() => void) | null = null;

  onWake(listener: (() => void) | null): void {
    this.listener = listener;
  }

  wake(): void {
    this.listener?.();
  }
}
