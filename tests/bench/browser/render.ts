/**
 * `npm run bench:render`: regenerates docs/benchmarks.md (and the frames chart) from the figures already in
 * docs/benchmarks/*.json, without measuring anything — after a change to the document's text in markdown.ts.
 */
import { join, resolve } from 'node:path';
import { renderBenchmarks } from './report';

export async function main(): Promise<void> {
  await renderBenchmarks({}, { dir: join(resolve(import.meta.dirname, '../../..'), 'docs', 'benchmarks'), write: true });
  console.log('wrote docs/benchmarks.md from docs/benchmarks/*.json');
}
