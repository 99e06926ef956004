/** Spellings of internal destinations an attacker tries as a callbackUrl (the port is added per test). */
export const REFUSED_HOSTS = [
  "169.254.169.254", // cloud metadata (AWS, GCP, Azure)
  "[fd00:ec2::254]", // AWS metadata over IPv6 (unique-local)
  "127.0.0.1",
  "127.1",
  "0x7f000001",
  "2130706433",
  "0177.0.0.1",
  "0x7f.0.0.1",
  "[::ffff:127.0.0.1]",
  "[::ffff:7f00:1]",
  "[::1]",
  "[0:0:0:0:0:0:0:1]",
  "0.0.0.0",
  "0",
  "[::]",
  "10.0.0.1",
  "172.16.0.1",
  "192.168.1.1",
  "100.64.0.1", // carrier-grade NAT
  "[fe80::1]", // link-local
  "[fc00::1]", // unique-local
  "[64:ff9b::7f00:1]", // NAT64 wrapping 127.0.0.1
  "[2002:7f00:1::]", // 6to4 wrapping 127.0.0.1
  "224.0.0.1", // multicast
  "255.255.255.255",
];
