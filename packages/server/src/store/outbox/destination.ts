/**
 * The destination a webhook counts against for delivery isolation (issue 13, item 4): the URL's origin,
 * scheme, host and port, as WHATWG URL parsing writes it (so `HTTP://Hooks.Example.com:80/a` and
 * `http://hooks.example.com/b` are one destination). Kept on each outbox row (migration 025) so a claim
 * can leave out, in SQL, every message to a destination whose share of deliveries is in flight.
 */
export function destinationOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}
