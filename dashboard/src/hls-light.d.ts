// hls.js ships types for its main entry only; the light build has the same API minus features we do
// not use (subtitles, alternate audio, DRM).
declare module 'hls.js/light' {
  import Hls from 'hls.js';
  export default Hls;
  export * from 'hls.js';
}

declare module '*.css?inline' {
  const css: string;
  export default css;
}
