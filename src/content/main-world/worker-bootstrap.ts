/**
 * The bootstrap the hook starts as the page's transform worker (protocol.md §7.2, §7.3): a few hundred bytes instead
 * of the worker's whole code, so the script every frame evaluates at document_start stays small (docs/benchmarks.md,
 * "Page start").
 *
 * A transform takes effect only if attached in the task that creates its sender or receiver, so a Worker must exist
 * then; this one exists at once and its code comes right after:
 * - `rtctransform` events are kept, in order, until the code runs (their frames wait in the transformers' streams:
 *   nothing goes out or in meanwhile);
 * - its first message carries port B, as before; it starts the port and waits for the bridge's `code` message, which
 *   the bridge posts when the hook first says `media-requested`, which it says before it starts this worker (a
 *   `WorkerCode`): the URL of the package's `transform-worker.js`;
 * - `importScripts` loads it (an extension URL: the page's CSP does not apply, its service worker does not see it;
 *   where the page enforces Trusted Types, which a blob: worker inherits, through the worker's own policy
 *   `callseal-worker` that vouches for that one URL — no page code runs in this worker, so no page policy is asked),
 *   and the code's `__callsealStart` (WORKER_START in shared/worker-messages.ts, a name this page-realm module
 *   cannot import) takes port B and the kept events.
 * If the code cannot load, the exception is not caught: the `error` event reaches the hook's Worker object, which
 * reads it as "the worker cannot run" (`worker-blocked`), and every transform on this worker carries no media.
 * Anything else posted to the worker or on the port before the code came is ignored.
 *
 * Written as plain JavaScript (it is a string here: a Blob's contents); a unit test runs it against fakes.
 */
export const WORKER_BOOTSTRAP = `"use strict";(()=>{
const pending=[];
self.onrtctransform=(event)=>{pending.push(event)};
const first=(event)=>{
self.removeEventListener("message",first);
const port=event.ports[0];
if(event.ports.length!==1||!port)return;
port.onmessage=(message)=>{
const data=message.data;
if(typeof data!=="object"||data===null||data.kind!=="code"||typeof data.url!=="string")return;
port.onmessage=null;
const url=data.url;
let script=url;
const tt=self.trustedTypes;
if(tt&&typeof tt.createPolicy==="function"){try{script=tt.createPolicy("callseal-worker",{createScriptURL:(input)=>{if(input!==url)throw new TypeError("not CallSeal's code");return input}}).createScriptURL(url)}catch{}}
importScripts(script);
self.onrtctransform=null;
self.__callsealStart(port,pending);
};
};
self.addEventListener("message",first);
})();`;
