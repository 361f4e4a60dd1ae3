/**
 * Told of every Xelion request's end (the metrics register as one). An injected observer, so that the
 * Xelion client needs nothing of the modules above it.
 */
export interface XelionObserver {
  observeXelion(method: string, status: number | undefined, startedMs: number): void;
}
export const XELION_OBSERVER = Symbol('XELION_OBSERVER');
