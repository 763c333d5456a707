/** An IPv4 CIDR block as numbers: the first and last address it covers. */
export interface Ipv4Block {
  text: string;
  prefix: number;
  first: number;
  last: number;
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses `a.b.c.d/n`; returns a reason instead when it is not a valid, aligned IPv4 block. */
export function parseIpv4Cidr(text: string): Ipv4Block | string {
  const match = CIDR.exec(text);
  if (!match) return "must be an IPv4 CIDR like 10.1.0.0/16";
  const octets = match.slice(1, 5).map(Number);
  if (octets.some((octet) => octet > 255)) return "each address octet must be 0-255";
  const prefix = Number(match[5]);
  if (prefix > 32) return "the prefix length must be 0-32";
  const address = octets.reduce((sum, octet) => sum * 256 + octet, 0);
  const size = 2 ** (32 - prefix);
  if (address % size !== 0) {
    const network = Math.floor(address / size) * size;
    return `host bits are set; the block starts at ${formatIpv4(network)}/${prefix}`;
  }
  return { text, prefix, first: address, last: address + size - 1 };
}

export function formatIpv4(address: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join(".");
}

export function containsBlock(outer: Ipv4Block, inner: Ipv4Block): boolean {
  return inner.first >= outer.first && inner.last <= outer.last;
}

export function blocksOverlap(a: Ipv4Block, b: Ipv4Block): boolean {
  return a.first <= b.last && b.first <= a.last;
}
