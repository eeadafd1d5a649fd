#!/usr/bin/env node
// Runs the compiled tests with Node's own test runner.
// Unit tests run two files at a time; integration tests (real ffmpeg, RTSP server, browser, broker)
// one file at a time, because this machine has two cores and they check liveness against the clock.
// Usage: node scripts/test.js [unit|integration|all] [substring-filter]
'use strict';
const { run } = require('node:test');
const { spec } = require('node:test/reporters');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const which = process.argv[2] || 'all';
const filter = process.argv[3];

function find(dir) {
  if (!fs.existsSync(dir)) return [];
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...find(p));
    else if (e.name.endsWith('.test.js')) out.push(p);
  }
  return out.sort();
}

const totals = { passed: 0, failed: 0, skipped: 0 };

function runGroup(files, concurrency) {
  if (filter) files = files.filter((f) => f.includes(filter));
  if (files.length === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const stream = run({ files, concurrency, timeout: 10 * 60 * 1000 });
    stream.on('test:pass', (d) => {
      if (d.details && d.details.type === 'suite') return;
      if (d.skip || d.todo) totals.skipped++;
      else totals.passed++;
    });
    stream.on('test:fail', (d) => {
      if (d.details && d.details.type === 'suite' && !(d.details.error && d.details.error.failureType === 'hookFailed')) return;
      totals.failed++;
    });
    const reporter = stream.compose(new spec());
    reporter.pipe(process.stdout, { end: false });
    reporter.on('end', resolve);
  });
}

(async () => {
  if (which === 'unit' || which === 'all') await runGroup(find(path.join(root, 'dist', 'test', 'unit')), 2);
  if (which === 'integration' || which === 'all') await runGroup(find(path.join(root, 'dist', 'test', 'integration')), 1);
  const line = `tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`;
  process.stdout.write(`\n${line}\n`);
  process.exitCode = totals.failed > 0 || totals.passed === 0 ? 1 : 0;
})();
