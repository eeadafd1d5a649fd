// The system Chromium for benchmarks (same launcher as the integration tests; never downloads one).
export { launchChromium, browserAvailable, CHROMIUM_ARGS, type Browser } from '../../test/support/browser';
