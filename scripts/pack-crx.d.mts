/** Types for scripts/pack-crx.mjs (used by the e2e force-install support). */
export function extensionIdOf(spkiDer: Uint8Array): string;
export function updateManifest(id: string, codebase: string, version: string): string;
export function packCrx(options: { dist: string; keyPath: string; out: string; baseUrl: string }): Promise<{
  extensionId: string;
  version: string;
  crx: string;
  updateUrl: string;
  forcelistEntry: string;
  madeKey: boolean;
}>;
