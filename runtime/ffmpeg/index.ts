// The ffmpeg layer: find the binary, build argument arrays, supervise processes, explain failures,
// keep credentials out of everything that can be read.
export * from './args';
export * from './backoff';
export * from './progress';
export * from './reasons';
export * from './redact';
export * from './resolve';
export * from './supervisor';
