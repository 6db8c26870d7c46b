/**
 * Call-site patterns (docs/admin.md §3.6) from one table of cases, run against the extension's parser and matcher
 * and against the CLI's checker, so the two never disagree on what a valid pattern is.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { matchesOrigin, parseOriginPattern, type OriginPattern } from '../../../../src/background/tenant/origin-pattern';
// @ts-expect-error -- plain-Node .mjs without declarations (checked on its own: npx tsc -p tools/tenant-policy)
import { originPatternProblem } from '../../../../tools/tenant-policy/lib/origin-pattern.mjs';

interface Cases {
  valid: { pattern: string; matches: string[]; rejects: string[] }[];
  invalid: string[];
}
const cases = JSON.parse(readFileSync(new URL('./origin-pattern-cases.json', import.meta.url), 'utf8')) as Cases;

function parsed(text: string): OriginPattern {
  const pattern = parseOriginPattern(text);
  if (typeof pattern === 'string') throw new Error(`${text} ${pattern}`);
  return pattern;
}

describe('origin patterns', () => {
  it.each(cases.valid)('$pattern', ({ pattern, matches, rejects }) => {
    const p = parsed(pattern);
    expect(originPatternProblem(pattern)).toBeUndefined();
    for (const origin of matches) expect([origin, matchesOrigin(p, origin)]).toEqual([origin, true]);
    for (const origin of rejects) expect([origin, matchesOrigin(p, origin)]).toEqual([origin, false]);
  });

  it.each(cases.invalid)('refuses %j', (pattern) => {
    expect(typeof parseOriginPattern(pattern)).toBe('string');
    expect(typeof originPatternProblem(pattern)).toBe('string');
  });

  it('normalizes hosts: lowercase, punycode, trailing dot; no port is any port', () => {
    expect(parsed('https://Bücher.Example.').host).toEqual({ kind: 'exact', host: 'xn--bcher-kva.example' });
    expect(parsed('https://*.Example.com').host).toEqual({ kind: 'subdomains', domain: 'example.com' });
    expect(parsed('https://meet.example.com').port).toBe('*');
    expect(parsed('https://meet.example.com:443').port).toBe(443);
  });
});
