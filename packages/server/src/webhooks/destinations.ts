import { isIP } from "node:net";
import { networkInterfaces } from "node:os";
import ipaddr from "ipaddr.js";

/**
 * Where webhooks may go (issue 13, item 3). A callback URL is chosen by whoever submits a case, so
 * without a rule the server would POST (and report back how the attempt went) to anything it can
 * reach: the cloud metadata service, its own admin routes on loopback, the private network. Only
 * public unicast addresses are reachable, plus what the operator names in `LOOPGATE_CALLBACK_ALLOW`.
 */

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** One allow-list entry: a range of addresses, and the one port it is limited to (undefined = any). */
interface AllowEntry {
  range: [Address, number];
  port?: number;
  text: string;
}

/** RFC 4291 section 2.5.5.1: ::a.b.c.d, deprecated; `::` and `::1` inside it are refused by name first. */
const IPV4_COMPATIBLE = ipaddr.IPv6.parseCIDR("::/96");

/** The environment variable and serve flag that name what the operator allows. */
const CALLBACK_ALLOW_ENV = "LOOPGATE_CALLBACK_ALLOW";

/**
 * Parses `LOOPGATE_CALLBACK_ALLOW`: comma-separated IP addresses or CIDR ranges, each optionally with
 * `:port`; IPv6 in brackets. Throws naming the entry that does not parse.
 *
 * @example
 * parseCallbackAllow("127.0.0.1,10.0.0.0/8:8443,[::1]:9090,[fd00::]/8");
 */
export function parseCallbackAllow(text: string | undefined): AllowEntry[] {
  const entries: AllowEntry[] = [];
  for (const raw of (text ?? "").split(",")) {
    const entry = raw.trim();
    if (entry === "") continue;
    const m =
      /^\[([^\]]+)\](\/\d+)?(?::(\d+))?$/.exec(entry) ?? /^([^[\]/:]+)(\/\d+)?(?::(\d+))?$/.exec(entry);
    const bad = (why: string) =>
      new Error(
        `${CALLBACK_ALLOW_ENV}: "${entry}" ${why} (expected an IP address or CIDR range, optionally :port; IPv6 in brackets, e.g. 127.0.0.1,10.0.0.0/8:8443,[::1]:9090)`,
      );
    if (!m?.[1]) throw bad("does not parse");
    const [address, inlineBits] = m[1].split("/");
    const bitsText = m[2]?.slice(1) ?? inlineBits;
    if (!address || !ipaddr.isValid(address) || isIP(address) === 0) throw bad("is not an IP address");
    const parsed = ipaddr.process(address);
    const max = parsed.kind() === "ipv4" ? 32 : 128;
    // A mapped IPv4 range given in IPv6 bits (::ffff:10.0.0.0/104) becomes its IPv4 range.
    const bits =
      bitsText === undefined
        ? max
        : Number(bitsText) - (ipaddr.parse(address).kind() !== parsed.kind() ? 96 : 0);
    if (!Number.isInteger(bits) || bits < 0 || bits > max) throw bad("has a prefix length out of range");
    const port = m[3] === undefined ? undefined : Number(m[3]);
    if (port !== undefined && (port < 1 || port > 65535)) throw bad("has a port out of range");
    entries.push({ range: [parsed, bits], port, text: entry });
  }
  return entries;
}

/** Decides, for one address and port, whether a webhook may connect there; and for a URL, at submit. */
export class DestinationPolicy {
  readonly #allow: AllowEntry[];
  readonly #ownAddresses: Set<string>;

  /**
   * @param allow parsed `LOOPGATE_CALLBACK_ALLOW`
   * @param ownAddresses this host's interface addresses: a public address of the server itself reaches
   *   its own admin routes, so it is refused like loopback (default: read from the OS)
   */
  constructor(allow: AllowEntry[] = [], ownAddresses: Iterable<string> = interfaceAddresses()) {
    this.#allow = allow;
    this.#ownAddresses = new Set([...ownAddresses].map((a) => normalise(a)).filter((a) => a !== undefined));
  }

  static fromText(text: string | undefined): DestinationPolicy {
    return new DestinationPolicy(parseCallbackAllow(text));
  }

  /** Why a connection to `address:port` is refused; undefined when it is allowed. */
  refusal(address: string, port: number): string | undefined {
    const ip = normalise(address);
    if (ip === undefined) return `${address} is not an IP address`;
    const parsed = ipaddr.parse(ip);
    const allowed = this.#allow.some(
      (e) =>
        (e.port === undefined || e.port === port) && sameKind(parsed, e.range[0]) && parsed.match(e.range),
    );
    if (allowed) return undefined;
    if (this.#ownAddresses.has(ip)) return `${ip} is an address of this server`;
    const range = parsed.range();
    // Only public unicast: every special-purpose range (loopback, private, link-local and the metadata
    // services on it, unique-local, unspecified, CGNAT, 6to4/NAT64 wrappers of those...) is refused.
    if (range !== "unicast") return `${ip} is a ${rangeName(range)} address`;
    // ipaddr.js calls ::/96 unicast, but it is RFC 4291's deprecated "IPv4-compatible" block
    // ([::127.0.0.1] is [::7f00:1]): no public host has such an address, and a host that still
    // tunnels it (sit) would carry it to the IPv4 address it wraps.
    if (parsed instanceof ipaddr.IPv6 && parsed.match(IPV4_COMPATIBLE)) {
      return `${ip} is an IPv4-compatible (deprecated) address`;
    }
    return undefined;
  }

  /**
   * Why a callback or alert URL is refused before anything is stored; undefined when it may be kept.
   * An IP literal is checked now, in the form WHATWG URL parsing gives it (so 127.1, 0x7f000001 and
   * 2130706433 all read as 127.0.0.1); a host name only at connect time, on the address it resolves to.
   */
  urlRefusal(raw: string): string | undefined {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return "is not a URL";
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") return "must be an http:// or https:// URL";
    if (url.username !== "" || url.password !== "") return "must not carry credentials (user:password@)";
    const host = unbracket(url.hostname);
    if (isIP(host) === 0) return undefined;
    const port = url.port === "" ? (url.protocol === "https:" ? 443 : 80) : Number(url.port);
    const why = this.refusal(host, port);
    return why && `${why}; refused unless ${CALLBACK_ALLOW_ENV} allows it`;
  }
}

export function unbracket(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

/** The canonical text of an address, IPv4-mapped IPv6 read as the IPv4 it carries; undefined if not one. */
function normalise(address: string): string | undefined {
  const a = unbracket(address).split("%")[0] ?? "";
  if (isIP(a) === 0) return undefined;
  return ipaddr.process(a).toString();
}

function sameKind(a: Address, b: Address): boolean {
  return a.kind() === b.kind();
}

function rangeName(range: string): string {
  const names: Record<string, string> = {
    loopback: "loopback",
    private: "private",
    linkLocal: "link-local",
    uniqueLocal: "unique-local",
    unspecified: "unspecified",
    carrierGradeNat: "carrier-grade NAT",
    multicast: "multicast",
    broadcast: "broadcast",
  };
  return names[range] ?? `special-purpose (${range})`;
}

function interfaceAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address));
}
