'use strict';
/**
 * Runs a command the way every step of npm test does: output captured, stopped after a bounded time, so that a hung
 * test or tool fails its step instead of hanging the whole run.
 */
const { spawn } = require('child_process');

// A step that runs longer than this is stopped and fails (a hung test must not hang the whole run); scripts/test.js
// has pytest print every thread's stack well before that.
const STEP_TIMEOUT_SECONDS = Number(process.env.TEST_STEP_TIMEOUT) || 600;

/** Runs a command, capturing output; resolves {code, output, seconds}; stops it after `timeoutSeconds`. */
function exec(command, args, options = {}) {
  const { timeoutSeconds = STEP_TIMEOUT_SECONDS, ...spawnOptions } = options;
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(command, args, { ...spawnOptions, env: { ...process.env, ...(spawnOptions.env || {}) } });
    let output = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutSeconds * 1000);
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: -1, output: `${output}${error.message}`, seconds: (Date.now() - started) / 1000 });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const note = timedOut ? `\nstopped after ${timeoutSeconds} s (TEST_STEP_TIMEOUT)` : '';
      resolve({ code: timedOut ? -1 : code, output: `${output}${note}`, seconds: (Date.now() - started) / 1000 });
    });
  });
}

module.exports = { exec, STEP_TIMEOUT_SECONDS };
