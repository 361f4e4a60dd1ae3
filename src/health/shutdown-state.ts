import { BeforeApplicationShutdown, Injectable, OnModuleDestroy } from '@nestjs/common';

/**
 * Set when the application starts shutting down, so that readiness turns 503 and load balancers stop
 * sending traffic while running work drains. Set in onModuleDestroy, which runs for every module before
 * any beforeApplicationShutdown hook: the executor drains its orders in its beforeApplicationShutdown,
 * and readiness must already say so by then, whatever the order of the modules.
 */
@Injectable()
export class ShutdownState implements OnModuleDestroy, BeforeApplicationShutdown {
  draining = false;

  onModuleDestroy(): void {
    this.draining = true;
  }

  beforeApplicationShutdown(): void {
    this.draining = true;
  }
}
