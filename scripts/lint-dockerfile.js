#!/usr/bin/env node
// A small Dockerfile linter for the rules this project cares about. hadolint would be the usual tool,
// but it is neither a Debian package nor an npm package without a binary download, so CI runs this:
//   node scripts/lint-dockerfile.js [Dockerfile]        (exit 1 on any problem)
//
// Rules (the manual check list, now checked):
//   FROM-TAG       every FROM names a tag or digest (not :latest, not untagged); ARG defaults are expanded
//   USER-FINAL     the final stage ends as a non-root USER
//   APT            apt-get install has -y and --no-install-recommends, runs after apt-get update in the
//                  same RUN, and that RUN removes /var/lib/apt/lists; no apt-get upgrade/dist-upgrade
//   NO-BUILD-TOOLS the final stage installs no compiler/build tools (they belong in a builder stage)
//   ADD            no ADD (never a URL: no checksum, no cache control; COPY for local files)
//   COPY-CHOWN     every COPY into the final stage sets --chown (files owned by the runtime user)
//   HEALTHCHECK    the final stage has a HEALTHCHECK (its own or inherited is not visible here: be explicit)
//   SECRETS        no ENV/ARG that looks like a secret (…PASSWORD, …TOKEN, …SECRET, …KEY) with a value,
//                  and no URL with user:password@ anywhere in ENV/ARG
//   JSON-FORM      CMD/ENTRYPOINT/HEALTHCHECK CMD in exec form are valid JSON arrays
//   NO-SUDO        no sudo in RUN
'use strict';
const fs = require('node:fs');
const path = require('node:path');

/** Instructions with their first line number; continuation lines joined, comment lines dropped. */
function parseDockerfile(text) {
  const lines = text.split(/\r?\n/);
  const out = [];
  let cur = null;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const trimmed = raw.trim();
    if (/^#/.test(trimmed) || (trimmed === '' && !cur)) continue; // comments and parser directives
    if (trimmed === '' && cur) continue; // blank line inside a continuation (allowed, deprecated)
    const cont = /\\\s*$/.test(raw);
    const body = raw.replace(/\s*\\\s*$/, '');
    if (cur) cur.text += ' ' + body.trim();
    else {
      const m = /^\s*([A-Za-z]+)\s*(.*)$/.exec(body);
      if (!m) continue;
      cur = { instruction: m[1].toUpperCase(), text: m[2], line: i + 1 };
    }
    if (!cont) {
      cur.args = cur.text.trim();
      delete cur.text;
      out.push(cur);
      cur = null;
    }
  }
  if (cur) {
    cur.args = cur.text.trim();
    delete cur.text;
    out.push(cur);
  }
  return out;
}

/** Split into stages: [{from, name, instructions}] plus the ARGs declared before the first FROM. */
function stages(instructions) {
  const globalArgs = {};
  const list = [];
  for (const ins of instructions) {
    if (ins.instruction === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/i.exec(ins.args);
      list.push({ from: m ? m[1] : ins.args, name: m && m[2] ? m[2].toLowerCase() : undefined, line: ins.line, instructions: [] });
    } else if (list.length === 0) {
      if (ins.instruction === 'ARG') {
        const [k, ...v] = ins.args.split('=');
        globalArgs[k.trim()] = v.length ? v.join('=').replace(/^["']|["']$/g, '') : undefined;
      }
    } else list[list.length - 1].instructions.push(ins);
  }
  return { globalArgs, list };
}

function expand(s, args) {
  return s.replace(/\$\{(\w+)(?::?-([^}]*))?\}|\$(\w+)/g, (_m, a, def, b) => {
    const k = a || b;
    return args[k] !== undefined ? args[k] : def !== undefined ? def : `\${${k}}`;
  });
}

const SECRET_NAME = /(PASS(WORD|WD)?|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIALS?)$/i;
const URL_CREDS = /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i;
const BUILD_TOOLS = /(?<![\w.-])(build-essential|g\+\+|gcc|make|cmake|python3?-dev|node-gyp|libc6-dev|autoconf|automake)(?![\w.+-])/;

/** Problems as {line, rule, message}; empty = clean. */
function lintDockerfile(text) {
  const problems = [];
  const add = (line, rule, message) => problems.push({ line, rule, message });
  const instructions = parseDockerfile(text);
  const { globalArgs, list } = stages(instructions);
  if (list.length === 0) {
    add(1, 'FROM-TAG', 'no FROM instruction');
    return problems;
  }

  const names = new Set();
  for (const st of list) {
    const image = expand(st.from, globalArgs);
    if (names.has(image.toLowerCase())) {
      // FROM <earlier stage>
    } else if (/\$\{?\w/.test(image)) add(st.line, 'FROM-TAG', `FROM ${st.from}: an ARG without a default (cannot tell the tag)`);
    else if (!/@sha256:[0-9a-f]{64}$/.test(image)) {
      const tag = /:([^/:]+)$/.exec(image);
      if (!tag) add(st.line, 'FROM-TAG', `FROM ${image}: no tag (pin one, e.g. :4.1-debian)`);
      else if (tag[1] === 'latest') add(st.line, 'FROM-TAG', `FROM ${image}: :latest is not a pinned tag`);
    }
    if (st.name) names.add(st.name);
  }

  const final = list[list.length - 1];
  for (const st of list) {
    const isFinal = st === final;
    for (const ins of st.instructions) {
      const a = ins.args;
      if (ins.instruction === 'ADD') add(ins.line, 'ADD', /https?:\/\//.test(a) ? 'ADD of a URL: download with a checksum in RUN, or COPY' : 'ADD: use COPY for local files');
      if (ins.instruction === 'RUN') {
        if (/\bsudo\b/.test(a)) add(ins.line, 'NO-SUDO', 'sudo in RUN: switch USER instead');
        if (/\bapt-get\s+(-\S+\s+)*(dist-)?upgrade\b/.test(a)) add(ins.line, 'APT', 'apt-get upgrade: rebuild on a newer base image instead');
        for (const m of a.matchAll(/\bapt-get\s+((?:-\S+\s+)*)install\b([^&;|]*)/g)) {
          const opts = `${m[1]} ${m[2]}`;
          if (!/--no-install-recommends\b/.test(opts)) add(ins.line, 'APT', 'apt-get install without --no-install-recommends');
          if (!/(^|\s)(-y|--yes|-qq?y|-yq+)\b/.test(opts)) add(ins.line, 'APT', 'apt-get install without -y');
          if (!/\bapt-get\s+(-\S+\s+)*update\b/.test(a.slice(0, m.index))) add(ins.line, 'APT', 'apt-get install without apt-get update earlier in the same RUN');
          if (!/rm\s+-(rf|fr)\s+\/var\/lib\/apt\/lists/.test(a)) add(ins.line, 'APT', 'apt-get install without rm -rf /var/lib/apt/lists/* in the same RUN');
          if (isFinal && BUILD_TOOLS.test(m[2])) add(ins.line, 'NO-BUILD-TOOLS', `build tools in the final stage (${BUILD_TOOLS.exec(m[2])[1]}): install and use them in a builder stage`);
        }
      }
      if (ins.instruction === 'COPY' && isFinal && !/(^|\s)--chown=\S+/.test(a)) add(ins.line, 'COPY-CHOWN', 'COPY into the final stage without --chown');
      if (ins.instruction === 'ENV' || ins.instruction === 'ARG') {
        const pairs = ins.instruction === 'ARG' ? [a.split('=')] : envPairs(a);
        for (const [k, ...rest] of pairs) {
          const v = rest.join('=');
          if (SECRET_NAME.test(k.trim()) && v.trim() !== '') add(ins.line, 'SECRETS', `${ins.instruction} ${k.trim()} looks like a secret baked into the image`);
        }
        if (URL_CREDS.test(a)) add(ins.line, 'SECRETS', `${ins.instruction} holds a URL with user:password@`);
      }
      if (['CMD', 'ENTRYPOINT', 'HEALTHCHECK'].includes(ins.instruction)) {
        const exec = ins.instruction === 'HEALTHCHECK' ? /\bCMD\s+(\[.*\])\s*$/.exec(a) : /^(\[.*\])\s*$/.exec(a);
        if (exec) {
          try {
            const arr = JSON.parse(exec[1]);
            if (!Array.isArray(arr) || !arr.every((x) => typeof x === 'string')) throw new Error('not an array of strings');
          } catch (e) {
            add(ins.line, 'JSON-FORM', `${ins.instruction} exec form is not a JSON array of strings (${e.message})`);
          }
        }
      }
    }
  }

  const users = final.instructions.filter((i) => i.instruction === 'USER');
  const lastUser = users[users.length - 1];
  if (!lastUser) add(final.line, 'USER-FINAL', 'the final stage sets no USER (it would run as whatever the base says; say it)');
  else if (/^(root|0)(:|$)/.test(lastUser.args.trim())) add(lastUser.line, 'USER-FINAL', 'the final stage ends as root');
  if (!final.instructions.some((i) => i.instruction === 'HEALTHCHECK' && !/^NONE\b/i.test(i.args))) add(final.line, 'HEALTHCHECK', 'the final stage has no HEALTHCHECK');
  return problems.sort((x, y) => x.line - y.line);
}

/** ENV k=v k2="v 2"  or the legacy  ENV k v. */
function envPairs(args) {
  if (!/^\S+=/.test(args)) {
    const m = /^(\S+)\s+(.*)$/.exec(args);
    return m ? [[m[1], m[2]]] : [[args, '']];
  }
  const out = [];
  const re = /(\S+?)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g;
  let m;
  while ((m = re.exec(args)) !== null) out.push([m[1], m[2].replace(/^["']|["']$/g, '')]);
  return out;
}

module.exports = { parseDockerfile, lintDockerfile };

if (require.main === module) {
  const file = path.resolve(process.argv[2] || path.join(__dirname, '..', 'Dockerfile'));
  const problems = lintDockerfile(fs.readFileSync(file, 'utf8'));
  for (const p of problems) console.log(`${path.relative(process.cwd(), file)}:${p.line} ${p.rule} ${p.message}`);
  if (problems.length) {
    console.log(`lint-dockerfile: ${problems.length} problem(s)`);
    process.exitCode = 1;
  } else console.log(`lint-dockerfile: ${path.relative(process.cwd(), file) || file} ok`);
}
