/**
 * Call apps ask for the camera or microphone before they make their peer connections. Wrapping getUserMedia and
 * getDisplayMedia lets the hook start the transform worker then, early enough to learn whether the page allows it
 * (see WorkerHost.warmUp). The wrappers only add that call; the browser's own methods do the rest.
 */
import { intrinsics } from './intrinsics';

export function warmUpOnMediaRequests(warmUp: () => void): void {
  const proto = globalThis.MediaDevices?.prototype;
  if (!proto) return;
  const wrap = (name: 'getUserMedia' | 'getDisplayMedia', native: ((...args: never[]) => unknown) | undefined) => {
    if (!native) return;
    const descriptor = intrinsics.getOwnPropertyDescriptor(proto, name);
    if (!descriptor) return;
    const wrapper = {
      [name](this: MediaDevices, ...args: unknown[]) {
        try {
          warmUp();
        } catch {
          // Never let CallSeal break the app's media request.
        }
        return intrinsics.apply(native, this, args);
      },
    }[name] as (...args: unknown[]) => unknown;
    intrinsics.defineProperty(wrapper, 'length', { value: native.length });
    intrinsics.defineProperty(proto, name, { ...descriptor, value: wrapper });
  };
  wrap('getUserMedia', intrinsics.getUserMedia);
  wrap('getDisplayMedia', intrinsics.getDisplayMedia);
}
