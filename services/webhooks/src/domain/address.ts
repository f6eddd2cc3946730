import { BlockList, isIP } from "node:net";

/** Addresses a webhook may not target unless an operator allows them: private, loopback, link-local, unspecified. */
const forbidden = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  forbidden.addSubnet(net, bits, "ipv4");
}
for (const [net, bits] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const) {
  forbidden.addSubnet(net, bits, "ipv6");
}

const family = (ip: string) => (isIP(ip) === 6 ? "ipv6" : "ipv4");

/** `allow` entries are IPs or CIDRs (e.g. "127.0.0.0/8", "::1"). */
export function addressPolicy(allow: readonly string[]): (ip: string) => boolean {
  const allowed = new BlockList();
  for (const entry of allow) {
    const [net, bits] = entry.split("/");
    if (!isIP(net)) continue;
    if (bits === undefined) allowed.addAddress(net, family(net));
    else allowed.addSubnet(net, Number(bits), family(net));
  }
  return (ip: string) => {
    const mapped = ip.startsWith("::ffff:") && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
    const f = family(mapped);
    return allowed.check(mapped, f) || !forbidden.check(mapped, f);
  };
}
