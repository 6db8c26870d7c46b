/**
 * Call-site pattern check for the CLI, mirroring src/background/tenant/origin-pattern.ts (which the extension
 * enforces). The two are kept in step by one table of cases that both test suites run
 * (tests/unit/background/tenant/origin-pattern-cases.json). Plain Node so the CLI runs without a build.
 */

const SHAPE = /^(\*|https?):\/\/(\[[^\]]*\]|[^/:]*)(?::(\*|[0-9]+))?(\/\*?)?$/;
const HOST_CHARS = /^[A-Za-z0-9.\-\u0080-\uffff]+$/;
const IPV6 = /^\[[0-9A-Fa-f:.]+\]$/;
const IPV4 = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;

/** @param {string} host @returns {string | undefined} */
function normalizeHost(host) {
  if (!HOST_CHARS.test(host) && !IPV6.test(host)) return undefined;
  let hostname;
  try {
    hostname = new URL(`https://${host}/`).hostname;
  } catch {
    return undefined;
  }
  const trimmed = hostname.endsWith('.') ? hostname.slice(0, -1) : hostname;
  return trimmed === '' || trimmed.includes('*') ? undefined : trimmed;
}

/**
 * `undefined` when `text` is a valid origin match pattern, else what is wrong with it.
 * @param {string} text
 * @returns {string | undefined}
 */
export function originPatternProblem(text) {
  const match = SHAPE.exec(text);
  if (!match) return 'is not <scheme>://<host>[:<port>] (scheme http, https or *; no path)';
  const rawHost = match[2] ?? '';
  const rawPort = match[3];
  if (rawHost.startsWith('*.')) {
    const domain = normalizeHost(rawHost.slice(2));
    if (domain === undefined || IPV4.test(domain) || domain.startsWith('[')) return 'has an invalid domain after *.';
  } else if (rawHost !== '*') {
    if (rawHost.includes('*')) return 'may use * only as the whole host or as its first label (*.example.com)';
    if (normalizeHost(rawHost) === undefined) return 'has an invalid host';
  }
  if (rawPort !== undefined && rawPort !== '*' && (!/^[1-9][0-9]{0,4}$/.test(rawPort) || Number(rawPort) > 65535)) {
    return 'has an invalid port';
  }
  return undefined;
}
