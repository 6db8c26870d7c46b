/**
 * Call sites: origin match patterns with the semantics of Chrome's extension match patterns, restricted to
 * origins (docs/admin.md §3.6). `*` as a scheme is http or https; `*.example.com` is example.com and every
 * subdomain; no port (or `:*`) is any port; a numbered port is compared with the origin's effective port, so
 * `https://meet.example.com:443` matches `https://meet.example.com`. Hosts go through the URL parser (lowercase,
 * punycode, IPv4 forms), and a trailing dot is dropped on both sides so `meet.example.com.` is not a way around a
 * pattern.
 */

type HostPattern = { kind: 'any' } | { kind: 'exact'; host: string } | { kind: 'subdomains'; domain: string };

export interface OriginPattern {
  /** As the admin wrote it. */
  text: string;
  scheme: 'http' | 'https' | '*';
  host: HostPattern;
  port: number | '*';
}

const SHAPE = /^(\*|https?):\/\/(\[[^\]]*\]|[^/:]*)(?::(\*|[0-9]+))?(\/\*?)?$/;
const HOST_CHARS = /^[A-Za-z0-9.\-\u0080-\uffff]+$/;
const IPV6 = /^\[[0-9A-Fa-f:.]+\]$/;
const IPV4 = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;

function normalizeHost(host: string): string | undefined {
  if (!HOST_CHARS.test(host) && !IPV6.test(host)) return undefined;
  let hostname: string;
  try {
    hostname = new URL(`https://${host}/`).hostname;
  } catch {
    return undefined;
  }
  const trimmed = hostname.endsWith('.') ? hostname.slice(0, -1) : hostname;
  return trimmed === '' || trimmed.includes('*') ? undefined : trimmed;
}

/** The pattern, or a sentence saying what is wrong with it. */
export function parseOriginPattern(text: string): OriginPattern | string {
  const match = SHAPE.exec(text);
  if (!match) return 'is not <scheme>://<host>[:<port>] (scheme http, https or *; no path)';
  const [, scheme = '', rawHost = '', rawPort] = match;
  let host: HostPattern;
  if (rawHost === '*') host = { kind: 'any' };
  else if (rawHost.startsWith('*.')) {
    const domain = normalizeHost(rawHost.slice(2));
    if (domain === undefined || IPV4.test(domain) || domain.startsWith('[')) return 'has an invalid domain after *.';
    host = { kind: 'subdomains', domain };
  } else {
    if (rawHost.includes('*')) return 'may use * only as the whole host or as its first label (*.example.com)';
    const exact = normalizeHost(rawHost);
    if (exact === undefined) return 'has an invalid host';
    host = { kind: 'exact', host: exact };
  }
  let port: number | '*' = '*';
  if (rawPort !== undefined && rawPort !== '*') {
    port = Number(rawPort);
    if (!/^[1-9][0-9]{0,4}$/.test(rawPort) || port > 65535) return 'has an invalid port';
  }
  return { text, scheme: scheme as OriginPattern['scheme'], host, port };
}

interface ParsedOrigin {
  scheme: 'http' | 'https';
  host: string;
  port: number;
}

function parseOrigin(origin: string): ParsedOrigin | undefined {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return undefined;
  }
  const scheme = url.protocol === 'https:' ? 'https' : url.protocol === 'http:' ? 'http' : undefined;
  if (!scheme || url.hostname === '') return undefined;
  const host = url.hostname.endsWith('.') ? url.hostname.slice(0, -1) : url.hostname;
  const port = url.port === '' ? (scheme === 'https' ? 443 : 80) : Number(url.port);
  return { scheme, host, port };
}

/** Whether a frame's origin (`https://host[:port]`, as `sender.origin` gives it) matches the pattern. */
export function matchesOrigin(pattern: OriginPattern, origin: string): boolean {
  const parsed = parseOrigin(origin);
  if (!parsed) return false;
  if (pattern.scheme !== '*' && pattern.scheme !== parsed.scheme) return false;
  if (pattern.port !== '*' && pattern.port !== parsed.port) return false;
  switch (pattern.host.kind) {
    case 'any':
      return true;
    case 'exact':
      return parsed.host === pattern.host.host;
    case 'subdomains':
      return parsed.host === pattern.host.domain || parsed.host.endsWith(`.${pattern.host.domain}`);
  }
}

export function matchesAnyOrigin(patterns: readonly OriginPattern[], origin: string): boolean {
  return patterns.some((pattern) => matchesOrigin(pattern, origin));
}
