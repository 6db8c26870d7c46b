/**
 * How the MAIN-world hook and the isolated-world bridge find each other without the page listening in.
 *
 * Both content scripts run at document_start, before the page has built any DOM or run any script. The hook makes
 * a MessageChannel and hands one port to the bridge in a synchronously dispatched DOM event. Whichever script runs
 * second completes the handshake:
 *
 *   bridge starts: listens for HOOK_OFFER, dispatches BRIDGE_READY (nobody hears it if the hook is not there yet)
 *   hook starts:   dispatches HOOK_OFFER {ports: [port]}      → the bridge takes the port
 *                  and answers BRIDGE_READY with HOOK_OFFER    (in case the bridge started after the hook)
 *
 * Each side accepts the other's event only while the document is still empty (`documentIsPristine`), i.e. before
 * any page script could have run, and only once. A port offered later — necessarily by the page — is ignored.
 */

export const HOOK_OFFER_EVENT = 'callseal:hook-offer';
export const BRIDGE_READY_EVENT = 'callseal:bridge-ready';

/**
 * True while no page script can have run yet. A page script needs an element to come from (a <script>, or an
 * element with an event-handler attribute); at document_start there is at most the empty skeleton
 * <html><head><body> of an initial about:blank document.
 */
export function documentIsPristine(doc: Document): boolean {
  return doc.scripts.length === 0 && doc.getElementsByTagName('*').length <= 3;
}
