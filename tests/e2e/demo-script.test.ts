/**
 * `npm start`'s demo (scripts/demo.mjs) as a newcomer runs it: two headless profiles with CallSeal switched on
 * call each other, and the script reports matching security codes and exits 0 (`--once`).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../../scripts/demo.mjs', import.meta.url));

it('the demo call ends encrypted with matching codes on both sides', async () => {
  const child = spawn(process.execPath, [SCRIPT, '--once', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  expect(code, output).toBe(0);
  const codes = [...output.matchAll(/^(alice|bob):\s+encrypted\s+code (\d{5} \d{5} \d{5} \d{5})$/gm)];
  const last = (name: string) => codes.filter((m) => m[1] === name).at(-1)?.[2];
  expect(last('alice'), output).toBeDefined();
  expect(last('alice')).toBe(last('bob'));
  expect(output).toMatch(/security codes match/);
}, 90_000);
