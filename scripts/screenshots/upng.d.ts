/** The part of upng-js (a pure-JS PNG codec) that scripts/screenshots/capture.ts uses. */
declare module 'upng-js' {
  interface DecodedPng {
    width: number;
    height: number;
  }
  const UPNG: {
    decode(data: ArrayBuffer): DecodedPng;
    /** The image's frames as RGBA, 8 bits a channel. */
    toRGBA8(image: DecodedPng): ArrayBuffer[];
    /** A PNG of the frames; `colors` 0 is lossless, otherwise a palette of at most that many colours. */
    encode(frames: ArrayBuffer[], width: number, height: number, colors: number): ArrayBuffer;
  };
  export default UPNG;
}
