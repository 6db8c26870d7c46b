/**
 * `npm run bench:recovery [-- --rounds N]`: recovery after rekeying (protocol.md §6.7) over many rekeys — how long
 * Alice's picture of Bob takes to come back once both sides hold new keys. One call between two real Chromium
 * browsers with the built extension (`dist/`, run `npm run build` first), through the test relay; Bob's side rekeys
 * N times (default 9), taking turns: he reloads, he leaves and rejoins, he switches E2EE off and on. Each rekey is
 * measured as tests/e2e/call/recovery.test.ts measures it (tests/e2e/support/rekey.ts); printed, with the median,
 * the 95th percentile and the worst, next to the bound one key-frame request round trip gives. Writes nothing.
 */
import { closeAllCalls, type Call } from '../../e2e/support/call';
import { measureRecovery, rekeyWatch } from '../../e2e/support/rekey';
import { waitFor } from '../../e2e/support/wait';
import { startEncryptedCall, waitForRemoteColor } from '../../e2e/call/helpers';
import { percentile } from './report';

const EVENTS: [string, (call: Call) => Promise<void>][] = [
  ['reload', (call) => call.bob.reload()],
  [
    'leave and rejoin',
    async (call) => {
      await call.bob.page.goto(call.server.url('/'));
      await waitFor(async () => (await call.alice.demo()).other === null, { timeout: 10_000, message: 'Alice to see Bob leave' });
      await call.bob.page.goto(call.bob.url);
    },
  ],
  [
    'E2EE off and on',
    async (call) => {
      const popup = await call.bob.popup();
      await popup.toggle();
      await popup.waitForState('off', 10_000);
      await popup.toggle();
    },
  ],
];

export async function main(argv: string[]): Promise<void> {
  let rounds = 9;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg.startsWith('--rounds')) rounds = Number(arg.includes('=') ? arg.split('=')[1] : argv[++i]);
    else throw new Error(`unknown flag ${arg}`);
  }
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a positive integer');
  const times: number[] = [];
  const bounds: number[] = [];
  try {
    const { call } = await startEncryptedCall({ topology: 'single', alice: { beforeCall: rekeyWatch }, bob: { beforeCall: rekeyWatch } });
    await waitForRemoteColor(call.alice, call.bob);
    for (let round = 0; round < rounds; round++) {
      const [name, event] = EVENTS[round % EVENTS.length]!;
      const recovery = await measureRecovery(call, name, () => event(call));
      await waitForRemoteColor(call.alice, call.bob);
      console.log(`${round + 1}/${rounds} ${recovery.line}`);
      times.push(recovery.ms);
      bounds.push(recovery.bound);
    }
  } finally {
    await closeAllCalls();
  }
  const ms = (value: number): string => `${Math.round(value)} ms`;
  console.log(
    `recovery after rekeying, ${times.length} rekeys: median ${ms(percentile(times, 50))}, p95 ${ms(percentile(times, 95))}, ` +
      `worst ${ms(Math.max(...times))}; bound (one key-frame request round trip) median ${ms(percentile(bounds, 50))}; ` +
      `over the bound: ${times.filter((t, i) => t > (bounds[i] ?? 0)).length}`,
  );
}
