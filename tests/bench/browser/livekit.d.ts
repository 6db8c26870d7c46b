/**
 * The slice of livekit-client's own TypeScript source (`src/e2ee/`, shipped in the npm package) that the bench drives.
 * The bench build aliases `livekit-e2ee/*` to that folder; the package's exports name only its bundles, whose
 * FrameCryptor is not exported.
 */
declare module 'livekit-e2ee/worker/FrameCryptor' {
  import type { ParticipantKeyHandler } from 'livekit-e2ee/worker/ParticipantKeyHandler';
  export const encryptionEnabledMap: Map<string, boolean>;
  export class FrameCryptor {
    constructor(opts: { keys: ParticipantKeyHandler; participantIdentity: string; keyProviderOptions: unknown });
  }
}
declare module 'livekit-e2ee/worker/ParticipantKeyHandler' {
  export class ParticipantKeyHandler {
    constructor(participantIdentity: string, keyProviderOptions: unknown);
    setKey(material: CryptoKey, keyIndex?: number): Promise<void>;
  }
}
declare module 'livekit-e2ee/constants' {
  export const KEY_PROVIDER_DEFAULTS: Record<string, unknown>;
}
declare module 'livekit-e2ee/utils' {
  export function createKeyMaterialFromString(password: string): Promise<CryptoKey>;
}
