/**
 * Asks the background, through the bridge on the worker's private port (protocol.md §7.2), to sign `th || pid` with
 * the identity key (§4.3). The private key never comes here: 40 bytes go out, a signature comes back. Nothing here
 * is trusted: the session checks every signature against our identity key before using it (pair.ts).
 */
import type { SignedConfirm } from '../e2ee/session-options';
import type { BridgeToWorker, WorkerToBridge } from '../shared/worker-messages';
import type { WorkerClock } from './clock';

const SIGN_TIMEOUT_MS = 10_000;

class SignRefused extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SignRefused';
  }
}

type Settlement = Extract<BridgeToWorker, { kind: 'signed' | 'sign-refused' }>;

export class Signer {
  private nextId = 1;
  private detached = false;
  private readonly pending = new Map<number, { resolve(s: SignedConfirm): void; reject(e: Error): void }>();

  constructor(
    private readonly post: (message: WorkerToBridge) => void,
    private readonly clock: Pick<WorkerClock, 'setTimeout' | 'clearTimeout'>,
    private readonly timeoutMs = SIGN_TIMEOUT_MS,
  ) {}

  /** The signature over th || pid || the extensions the background chose, with those extensions (§4.3). */
  sign(input: Uint8Array): Promise<SignedConfirm> {
    if (this.detached) return Promise.reject(new SignRefused('detached', 'The extension went away.'));
    if (!(input instanceof Uint8Array)) return Promise.reject(new SignRefused('invalid', 'Nothing to sign.'));
    const requestId = this.nextId++;
    return new Promise<SignedConfirm>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.pending.delete(requestId);
        reject(new SignRefused('timeout', 'The extension did not answer in time.'));
      }, this.timeoutMs);
      this.pending.set(requestId, {
        resolve: (signature) => (this.clock.clearTimeout(timer), resolve(signature)),
        reject: (error) => (this.clock.clearTimeout(timer), reject(error)),
      });
      this.post({ kind: 'sign', requestId, input: input.slice() });
    });
  }

  /** Settles the request a reply belongs to; replies to unknown (or timed-out) requests are ignored. */
  settle(message: Settlement): void {
    const request = this.pending.get(message.requestId);
    if (request === undefined) return;
    this.pending.delete(message.requestId);
    if (message.kind === 'signed' && message.signature instanceof Uint8Array && message.extensions instanceof Uint8Array) {
      request.resolve({ signature: message.signature.slice(), extensions: message.extensions.slice() });
    } else request.reject(new SignRefused(message.kind === 'sign-refused' ? String(message.code) : 'invalid', 'Not signed.'));
  }

  /** The extension went away: every request, now and later, is refused. */
  detach(): void {
    this.detached = true;
    for (const request of this.pending.values()) request.reject(new SignRefused('detached', 'The extension went away.'));
    this.pending.clear();
  }
}
