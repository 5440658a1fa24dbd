'use strict';
/**
 * The README quick start as a newcomer runs it: a fresh virtualenv, `pip install` of the generated output with no
 * pins and no tools (pip resolves the newest dependencies the package allows), then the README's first example,
 * run from outside the source tree so that the installed package is what runs. A failure names the versions pip chose.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { VENVS } = require('./matrix');
const { installedVersions, venvBin } = require('./venv');

const QUICK_START = /##\s*Quick start[\s\S]*?```python\n([\s\S]*?)```/;

/** The code of the README's quick start section (its first python block), or null. */
function quickStartCode(readme) {
  const match = QUICK_START.exec(readme);
  return match ? match[1] : null;
}

/**
 * @param {{name: string, module: string, outputDir: string}} c a generated case
 * @param {{python: string, exec: Function}} options the interpreter to make the virtualenv from, and the runner
 * @returns {Promise<{status: 'passed'|'failed', detail: string}>}
 */
async function runQuickStart(c, { python, exec }) {
  const readme = fs.readFileSync(path.join(c.outputDir, 'README.md'), 'utf8');
  const code = quickStartCode(readme);
  if (!code) return { status: 'failed', detail: 'the README has no "## Quick start" section with a python example' };
  const venv = path.join(VENVS, `quickstart-${c.module}`);
  fs.rmSync(venv, { recursive: true, force: true });
  const created = await exec(python, ['-m', 'venv', venv]);
  if (created.code !== 0) return { status: 'failed', detail: `python -m venv failed:\n${created.output}` };
  const venvPython = venvBin('python', venv);
  const install = await exec(venvPython, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', c.outputDir]);
  const versions = () => Object.entries(installedVersions(venvPython)).map(([name, version]) => `${name}==${version}`).join(' ');
  if (install.code !== 0) return { status: 'failed', detail: `pip install ${c.outputDir} failed:\n${install.output}\ninstalled: ${versions()}` };
  const workdir = fs.mkdtempSync(path.join(os.tmpdir(), 'quickstart-'));
  try {
    fs.writeFileSync(path.join(workdir, 'quickstart.py'), code);
    const run = await exec(venvPython, ['quickstart.py'], { cwd: workdir, timeoutSeconds: 120 });
    const printed = run.output.trim();
    if (run.code !== 0 || !printed) {
      return { status: 'failed', detail: `the quick start ${run.code !== 0 ? `exited with ${run.code}` : 'printed nothing'}:\n${printed}\nwith: ${versions()}` };
    }
    const shown = ['pydantic', 'websockets', 'cryptography', 'python-dotenv']
      .map((name) => `${name} ${installedVersions(venvPython)[name] || '?'}`)
      .join(', ');
    return { status: 'passed', detail: `${(install.seconds + run.seconds).toFixed(1)}s, ${shown}; printed ${JSON.stringify(printed.split('\n')[0].slice(0, 60))}` };
  } finally {
    fs.rmSync(workdir, { recursive: true, force: true });
    fs.rmSync(venv, { recursive: true, force: true });
    for (const entry of fs.readdirSync(c.outputDir)) {
      if (entry === 'build' || entry.endsWith('.egg-info')) fs.rmSync(path.join(c.outputDir, entry), { recursive: true, force: true });
    }
  }
}

module.exports = { runQuickStart, quickStartCode };
