// scripts/lint-dockerfile.js: the project's Dockerfile passes, and each rule fails on the mistake it names.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../../support/shared';

interface Problem {
  line: number;
  rule: string;
  message: string;
}
interface LintModule {
  lintDockerfile(text: string): Problem[];
  parseDockerfile(text: string): { instruction: string; args: string; line: number }[];
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const lint = require(path.join(repoRoot, 'scripts', 'lint-dockerfile.js')) as LintModule;

const GOOD = `ARG BASE=nodered/node-red:4.1-debian
FROM \${BASE} AS deps
USER root
RUN apt-get update \\
 && apt-get install -y --no-install-recommends python3 make g++ \\
 && rm -rf /var/lib/apt/lists/*
FROM \${BASE}
USER root
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg && rm -rf /var/lib/apt/lists/*
COPY --from=deps --chown=node-red:root /usr/src/node-red/node_modules /usr/src/node-red/node_modules
ENV FFMPEG_PATH=/usr/bin/ffmpeg
USER node-red
HEALTHCHECK CMD ["node", "-e", "process.exit(0)"]
`;

const rules = (text: string) => lint.lintDockerfile(text).map((p) => p.rule);

describe('lint-dockerfile', () => {
  test("the project's Dockerfile has no problems", () => {
    const text = fs.readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
    assert.deepEqual(lint.lintDockerfile(text), []);
  });

  test('a clean multi-stage file passes (build tools allowed in a builder stage)', () => {
    assert.deepEqual(lint.lintDockerfile(GOOD), []);
  });

  test('continuation lines are joined and comments dropped', () => {
    const ins = lint.parseDockerfile('# c\nRUN a \\\n  # inner comment\n  && b\nUSER x\n');
    assert.deepEqual(
      ins.map((i) => [i.instruction, i.args, i.line]),
      [
        ['RUN', 'a && b', 2],
        ['USER', 'x', 5],
      ],
    );
  });

  test('unpinned FROM: untagged, :latest, an ARG without default', () => {
    assert.deepEqual(rules(GOOD.replace('ARG BASE=nodered/node-red:4.1-debian', 'ARG BASE=nodered/node-red')), ['FROM-TAG', 'FROM-TAG']);
    assert.ok(rules(GOOD.replace('4.1-debian', 'latest')).includes('FROM-TAG'));
    assert.ok(rules(GOOD.replace('ARG BASE=nodered/node-red:4.1-debian', 'ARG BASE')).includes('FROM-TAG'));
    assert.deepEqual(rules(GOOD.replace('ARG BASE=nodered/node-red:4.1-debian', `ARG BASE=nodered/node-red@sha256:${'a'.repeat(64)}`)), []);
  });

  test('root or no USER at the end of the final stage', () => {
    assert.deepEqual(rules(GOOD.replace('USER node-red', 'USER root')), ['USER-FINAL']);
    assert.deepEqual(rules(GOOD.replace('USER node-red\n', '').replace(/\nUSER root\nRUN apt-get update && apt-get install -y --no-install-recommends ffmpeg/, '\nRUN apt-get update && apt-get install -y --no-install-recommends ffmpeg')), ['USER-FINAL']);
  });

  test('apt-get install without --no-install-recommends, -y, update or list cleanup; apt-get upgrade', () => {
    assert.deepEqual(rules(GOOD.replace('apt-get install -y --no-install-recommends ffmpeg', 'apt-get install -y ffmpeg')), ['APT']);
    assert.deepEqual(rules(GOOD.replace('apt-get install -y --no-install-recommends ffmpeg', 'apt-get install --no-install-recommends ffmpeg')), ['APT']);
    assert.deepEqual(rules(GOOD.replace('RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg && rm -rf /var/lib/apt/lists/*', 'RUN apt-get install -y --no-install-recommends ffmpeg && rm -rf /var/lib/apt/lists/*')), ['APT']);
    assert.deepEqual(rules(GOOD.replace('ffmpeg && rm -rf /var/lib/apt/lists/*', 'ffmpeg')), ['APT']);
    assert.deepEqual(rules(GOOD.replace('RUN apt-get update && apt', 'RUN apt-get update && apt-get -y upgrade && apt')), ['APT']);
  });

  test('build tools in the final stage', () => {
    assert.deepEqual(rules(GOOD.replace('--no-install-recommends ffmpeg', '--no-install-recommends ffmpeg build-essential')), ['NO-BUILD-TOOLS']);
  });

  test('ADD, COPY without --chown, missing HEALTHCHECK, bad exec form, sudo', () => {
    assert.deepEqual(rules(GOOD.replace('ENV FFMPEG_PATH', 'ADD https://example.com/m.onnx /models/\nENV FFMPEG_PATH')), ['ADD']);
    assert.deepEqual(rules(GOOD.replace('--chown=node-red:root ', '')), ['COPY-CHOWN']);
    assert.deepEqual(rules(GOOD.replace(/HEALTHCHECK .*\n/, '')), ['HEALTHCHECK']);
    assert.deepEqual(rules(GOOD.replace('HEALTHCHECK CMD ["node", "-e", "process.exit(0)"]', 'HEALTHCHECK CMD [node, -e]')), ['JSON-FORM']);
    assert.deepEqual(rules(GOOD.replace('RUN apt-get update && apt', 'RUN sudo true && apt-get update && apt')), ['NO-SUDO']);
  });

  test('secrets in ENV/ARG: names that look like secrets, URLs with credentials', () => {
    assert.deepEqual(rules(GOOD.replace('ENV FFMPEG_PATH=/usr/bin/ffmpeg', 'ENV FFMPEG_PATH=/usr/bin/ffmpeg MQTT_PASSWORD=hunter2')), ['SECRETS']);
    assert.deepEqual(rules(GOOD.replace('ENV FFMPEG_PATH=/usr/bin/ffmpeg', 'ENV CAMERA_URL="rtsp://admin:pw@192.168.1.20/stream1"')), ['SECRETS']);
    assert.deepEqual(rules(GOOD.replace('ENV FFMPEG_PATH=/usr/bin/ffmpeg', 'ARG API_TOKEN=abc')), ['SECRETS']);
    assert.deepEqual(rules(GOOD.replace('ENV FFMPEG_PATH=/usr/bin/ffmpeg', 'ARG API_TOKEN')), []);
  });
});
