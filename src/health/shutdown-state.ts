import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';

/**
 * Set when the application starts shutting down, so that readiness turns 503 and load balancers stop
 * sending traffic while running work drains.
 */
@Injectable()
export class ShutdownState implements BeforeApplicationShutdown {
  draining = false;

  beforeApplicationShutdown(): void {
    this.draining = true;
  }
}
