/** The transform worker's bundled source text (see scripts/vite-plugin-transform-worker.ts). */
declare module 'callseal:transform-worker-source' {
  const source: string;
  export default source;
}
