/**
 * The one clock type of did:city: milliseconds since the Unix epoch, as `Date.now` returns. Every component that
 * takes an injected clock takes a `Clock` (default `Date.now`); wire formats convert at their edge (a cosignature's
 * POSIX seconds, an integration time's RFC 3339 text).
 */
export type Clock = () => number;
