/**
 * The extension's manifest (Manifest V3), built by @crxjs/vite-plugin.
 *
 * The MAIN-world hook is declared here like any content script, but crxjs would load it through a dynamic-import
 * loader that runs after the page's own scripts. `vite.config.ts` therefore builds it as one self-contained IIFE
 * and points this entry at that file (crxjs `standaloneFiles`, in vite.config.ts).
 */
import { defineManifest } from '@crxjs/vite-plugin';
import pkg from './package.json' with { type: 'json' };
import { TRANSFORM_WORKER_FILE } from './src/shared/package-files.ts';

/**
 * Public half of the release signing key. It pins the extension ID to the same value on every machine, which admins
 * need for force-install policies and per-extension settings: nlnkaholkfmhjpfkjcnbpfglhkajpmgc.
 */
export const EXTENSION_PUBLIC_KEY =
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAsPaRwMNOjvpOfHR9ad98SpBWjN34PbXv8APQWjUT1nhoS94z5qGnFxQ4Ks8WHgtY74hTLf8lPKQe' +
  'JM1EWnRxw4soel7C6AUFMIvb6titrPRc4eiOf2ZcjJU3OotFw7oGEJAtvG5oSk33Si2Q1TNAkCvMw6jDj9ey/BKME8gYSh+Tls/8yA6MexyF87usHtWfH3/H6r5T' +
  'C8YaPbJi6YBo+gUk2Wqa2Po8sfUbkDa8Sys+u/JIskY/IGxxR+UZt20t6Adeie3OHsgOnG1yKaVS56oY2vxFQZQx/iDjWQ6wuoidwEQ5WiDgRv6ENsAk8mDboSTM' +
  'CLeBKoosIf7mjRRInwIDAQAB';

/**
 * The oldest Chrome/Edge CallSeal runs in: the first with `RTCRtpScriptTransform` (protocol.md §7.3). The manifest's
 * `minimum_chrome_version` and the build's JavaScript target (vite.config.ts, the transform worker's build) follow it.
 */
export const MINIMUM_CHROME_VERSION = 141;

/** Source path of the MAIN-world hook; the build replaces it with the bundled IIFE. */
export const MAIN_WORLD_ENTRY = 'src/content/main-world.ts';

/** Source path of the isolated-world bridge; also one IIFE, so it is ready at document_start. */
export const BRIDGE_ENTRY = 'src/content/bridge.ts';

/** Every http(s) page and the frames they open (about:blank, blob:, data:) take the hook and the bridge. */
const PAGE_MATCHES = ['http://*/*', 'https://*/*'];

/**
 * All frames, including about:blank, blob: and data: frames a page opens (they inherit the page's origin and can
 * run WebRTC). Spread in, because crxjs's manifest type does not know `match_origin_as_fallback` yet.
 */
const EVERY_FRAME = { all_frames: true, match_about_blank: true, match_origin_as_fallback: true } as const;

export default defineManifest({
  manifest_version: 3,
  // Words come from public/_locales (English and German); the browser picks the user's language.
  name: '__MSG_extName__',
  short_name: '__MSG_extName__',
  description: '__MSG_extDescription__',
  default_locale: 'en',
  version: pkg.version,
  minimum_chrome_version: String(MINIMUM_CHROME_VERSION),
  key: EXTENSION_PUBLIC_KEY,
  icons: { 16: 'icons/shield-off-16.png', 32: 'icons/shield-off-32.png', 48: 'icons/shield-off-48.png', 128: 'icons/shield-off-128.png' },
  action: {
    default_title: '__MSG_extName__',
    default_popup: 'src/popup/index.html',
    default_icon: { 16: 'icons/shield-off-16.png', 32: 'icons/shield-off-32.png' },
  },
  background: { service_worker: 'src/background/index.ts', type: 'module' },
  content_scripts: [
    {
      // The bridge: isolated world, listed first so it is ready when the hook starts.
      matches: PAGE_MATCHES,
      js: [BRIDGE_ENTRY],
      run_at: 'document_start',
      ...EVERY_FRAME,
    },
    {
      matches: PAGE_MATCHES,
      js: [MAIN_WORLD_ENTRY],
      world: 'MAIN',
      run_at: 'document_start',
      ...EVERY_FRAME,
    },
  ],
  // The transform worker's code (src/shared/package-files.ts). A dynamic URL (a per-session ID instead of the
  // extension's): no page can probe for it, and only the bridge knows it, which gives it to the page's bootstrap
  // worker on port B (protocol.md §7.2). Workers of frames with an opaque origin (data:) load it too: every URL.
  web_accessible_resources: [{ resources: [TRANSFORM_WORKER_FILE], matches: ['<all_urls>'], use_dynamic_url: true }],
  // The contacts and own-identity page (src/options/).
  options_ui: { page: 'src/options/index.html', open_in_tab: true },
  // storage: the switch, the remembered policy, managed keys; alarms: the tenant policy refresh; notifications: a
  // contact's key change, or encryption lost, is told even with the popup closed. No host permission: the tenant
  // server answers with Access-Control-Allow-Origin (docs/admin.md §3.8).
  permissions: ['storage', 'alarms', 'notifications'],
  storage: { managed_schema: 'managed-schema.json' },
});
