/**
 * Requests for the same reply share one resolution, but only one that started after they arrived: a request that
 * comes while a resolution for its key is running waits for the next one, which starts when the running one ends
 * and serves every request that came meanwhile. Each reply is then built from a ledger read made after its request
 * arrived, as with no sharing at all (freshness 0 keeps its promise: nothing older than the request is served), but
 * N concurrent requests for one DID cost at most two resolutions instead of N.
 *
 * Bounded by what is running: a key is kept only while its resolution runs, with at most one waiting behind it.
 */
export class SharedResolutions<T> {
  readonly #flights = new Map<string, { running: Promise<T>; next?: Promise<T> }>();

  /** `resolve` settles the request; every request with the same `key` must want the same reply. */
  run(key: string, resolve: () => Promise<T>): Promise<T> {
    const flight = this.#flights.get(key);
    if (flight === undefined) return this.#start(key, resolve);
    // Started after the running one settles, so after this request arrived.
    flight.next ??= flight.running.then(
      () => this.#start(key, resolve),
      () => this.#start(key, resolve),
    );
    return flight.next;
  }

  /** Keys with a resolution running (for tests: nothing is kept once they settle). */
  get size(): number {
    return this.#flights.size;
  }

  #start(key: string, resolve: () => Promise<T>): Promise<T> {
    const flight: { running: Promise<T>; next?: Promise<T> } = { running: Promise.resolve().then(resolve) };
    const done = () => {
      if (this.#flights.get(key) === flight) this.#flights.delete(key);
    };
    flight.running.then(done, done);
    this.#flights.set(key, flight);
    return flight.running;
  }
}
