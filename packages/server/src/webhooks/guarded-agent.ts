import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { isIP } from "node:net";
import { Agent, buildConnector } from "undici";
import { type DestinationPolicy, unbracket } from "./destinations.js";

/** A connection the destination policy refused: no socket was opened. */
export class RefusedByPolicy extends Error {
  override readonly name = "RefusedByPolicy";
}

/** `dns.lookup` with `all: true`, replaceable in tests by a resolver that answers what they need. */
export type ResolveAll = (
  hostname: string,
  callback: (err: Error | null, addresses: LookupAddress[]) => void,
) => void;

const systemResolve: ResolveAll = (hostname, callback) =>
  dnsLookup(hostname, { all: true }, (err, addresses) => callback(err, addresses ?? []));

/**
 * The undici dispatcher every webhook and alert goes through. Its connector resolves the host name
 * itself, checks every address it resolves to against `policy`, and then connects to the checked
 * address: the name is never resolved a second time, so a DNS answer that changes between the check and
 * the connection (rebinding) cannot slip a refused address in. TLS still verifies the certificate
 * against the host name (undici sets SNI from the request's host, not from the address dialled).
 */
export function guardedAgent(
  policy: DestinationPolicy,
  {
    connectTimeoutMs = 10_000,
    resolve = systemResolve,
  }: { connectTimeoutMs?: number; resolve?: ResolveAll } = {},
): Agent {
  const connectTo = buildConnector({ timeout: connectTimeoutMs });
  return new Agent({
    // Isolation between destinations is the outbox worker's; a few sockets per origin are enough.
    connections: 4,
    connect(options, callback) {
      const host = unbracket(options.hostname);
      const port = Number(options.port) || (options.protocol === "https:" ? 443 : 80);
      const dial = (address: string) => connectTo({ ...options, hostname: address }, callback);
      if (isIP(host) !== 0) {
        const why = policy.refusal(host, port);
        if (why) callback(new RefusedByPolicy(why), null);
        else dial(host);
        return;
      }
      resolve(host, (err, addresses) => {
        if (err || addresses.length === 0) {
          callback(err ?? new Error(`${host} resolved to no address`), null);
          return;
        }
        // Any refused address refuses the name: a resolver that mixes a public and a private answer
        // must not get the private one dialled on a later attempt.
        for (const a of addresses) {
          const why = policy.refusal(a.address, port);
          if (why) {
            callback(new RefusedByPolicy(`${host} resolves to ${why}`), null);
            return;
          }
        }
        dial((addresses[0] as LookupAddress).address);
      });
    },
  });
}
