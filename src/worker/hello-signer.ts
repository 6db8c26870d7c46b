/**
 * Asks the background (through the bridge, on port B) to sign a hello body with the identity key. The private
 * key never comes here; only the body goes out and the signature comes back.
 */
import type { BridgeToWorker, WorkerToBridge } from '../shared/worker-messages';

export const SIGN_TIMEOUT_MS = 10_000;

export class HelloSignRefused extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HelloSignRefused';
  }
}

export class HelloSigner {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(s: Uint8Array): void; reject(e: Error): void }>();

  constructor(private readonly post: (message: WorkerToBridge) => void) {}

  sign(body: Uint8Array): Promise<Uint8Array> {
    const requestId = this.nextId++;
    return new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new HelloSignRefused('timeout', 'The extension did not answer in time.'));
      }, SIGN_TIMEOUT_MS);
      this.pending.set(requestId, {
        resolve: (signature) => (clearTimeout(timer), resolve(signature)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      });
      this.post({ kind: 'sign', requestId, input: body });
    });
  }

  /** Settles the request a reply belongs to; replies to unknown requests are ignored. */
  settle(message: Extract<BridgeToWorker, { kind: 'signed' | 'sign-refused' }>): void {
    const request = this.pending.get(message.requestId);
    if (!request) return;
    this.pending.delete(message.requestId);
    if (message.kind === 'signed') request.resolve(message.signature);
    else request.reject(new HelloSignRefused(message.code, 'The extension refused to sign.'));
  }
}
