// A real VS Code extension host without downloading VS Code: code-server (VS Code 1.100.3 served
// to a browser), installed on demand into .cache/code-server the way @vscode/test-electron caches
// VS Code in .vscode-test/, and driven by headless Chromium through playwright-core.
// Only Node built-ins and playwright-core are used here.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, copyFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { clearTimeout, setTimeout } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { format } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Later code-server releases need Node 22+; 4.100.3 is VS Code 1.100.3 (engines.vscode ^1.100.0). */
export const CODE_SERVER_VERSION = '4.100.3';
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SERVER_FLAGS = ['--auth', 'none', '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override', '--ignore-last-opened'];
const APT_HINT = 'apt-get install libkrb5-dev ripgrep build-essential';

const cacheDir = join(root, '.cache', 'code-server');
const entryOf = (dir) => join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
// Native modules are built for one Node ABI: a new Node major means a new install.
const stamp = JSON.stringify({ version: CODE_SERVER_VERSION, abi: process.versions.modules, platform: process.platform, arch: process.arch });

/**
 * Installs code-server into .cache/code-server unless a complete install for this Node ABI is
 * there already (then this returns at once). Returns the path of its entry script.
 */
export function ensureCodeServer({ quiet = false } = {}) {
  const stampFile = join(cacheDir, '.medallion-stamp');
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return { entry: entryOf(cacheDir) };

  const log = quiet ? () => {} : (line) => console.log(`code-server: ${line}`);
  checkPrerequisites();
  // Built beside the cache and renamed into place, so an interrupted install never looks complete.
  const staging = `${cacheDir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  writeFileSync(join(staging, 'package.json'), JSON.stringify({ name: 'medallion-code-server-cache', private: true }, null, 2) + '\n');
  const started = Date.now();
  log(`installing ${CODE_SERVER_VERSION} into ${cacheDir} (about a minute, once)...`);

  const vscodeDir = join(staging, 'node_modules', 'code-server', 'lib', 'vscode');
  const rgDir = join(vscodeDir, 'node_modules', '@vscode', 'ripgrep', 'bin');
  const fetchHint = 'npm must reach its registry (npm config get registry).';
  const buildHint = `Building native modules needs a C++ tool chain, Python and the Kerberos headers: ${APT_HINT}.`;
  const steps = [
    // Every package's install script is skipped: @vscode/ripgrep's would download rg from GitHub,
    // code-server's postinstall.sh refuses to run as root. The steps below do their work instead.
    ['npm install code-server', staging, ['install', `code-server@${CODE_SERVER_VERSION}`, '--ignore-scripts'], fetchHint],
    ['npm install (lib/vscode)', vscodeDir, ['install', '--omit=dev', '--ignore-scripts'], fetchHint],
    ['copy ripgrep', null, () => {
      mkdirSync(rgDir, { recursive: true });
      copyFileSync(ripgrepPath(), join(rgDir, 'rg'));
    }, `ripgrep comes from the system: ${APT_HINT}.`],
    // Builds kerberos, node-pty, spdlog, native-watchdog... against the local Node headers.
    ['npm rebuild (lib/vscode native modules)', vscodeDir, ['rebuild'], buildHint],
    ['links made by code-server postinstall.sh', null, () => {
      symlinkSync('node_modules', join(vscodeDir, 'node_modules.asar'));
      symlinkSync('code-linux.sh', join(vscodeDir, 'bin', 'remote-cli', 'code-server'));
      symlinkSync('browser-linux.sh', join(vscodeDir, 'bin', 'helpers', 'browser.sh'));
    }, 'The code-server package layout changed.'],
    ['npm install (lib/vscode/extensions)', join(vscodeDir, 'extensions'), ['install', '--omit=dev'], fetchHint],
    // Only argon2 needs building up here; a bare `npm rebuild` would also run code-server's own
    // postinstall.sh, which redoes the steps above and stops at its root check.
    ['npm rebuild argon2', staging, ['rebuild', 'argon2'], buildHint],
  ];
  for (const [index, [name, cwd, action, hint]] of steps.entries()) {
    log(`(${index + 1}/${steps.length}) ${name}`);
    if (typeof action === 'function') {
      try {
        action();
      } catch (error) {
        failInstall(name, error.message, hint, staging);
      }
      continue;
    }
    const result = spawnSync(npmCommand(), [...action, '--no-audit', '--no-fund'], { cwd, env: npmEnv(), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (result.error || result.status !== 0) {
      failInstall(`${name}: npm ${action.join(' ')} in ${cwd}`, result.error?.message ?? `${result.stdout}\n${result.stderr}`, hint, staging);
    }
  }
  const check = spawnSync(process.execPath, [entryOf(staging), '--version'], { encoding: 'utf8' });
  if (check.status !== 0) failInstall('code-server --version', `${check.stdout}\n${check.stderr}`, buildHint, staging);
  writeFileSync(join(staging, '.medallion-stamp'), stamp);

  rmSync(cacheDir, { recursive: true, force: true });
  try {
    renameSync(staging, cacheDir);
  } catch (error) {
    // Another process finished the same install first: keep its copy.
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(stampFile)) throw error;
  }
  log(`installed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return { entry: entryOf(cacheDir) };
}

function checkPrerequisites() {
  const major = Number(process.versions.node.split('.')[0]);
  if (major !== 20) console.warn(`code-server: warning: code-server ${CODE_SERVER_VERSION} is built for Node 20, this is Node ${process.versions.node}.`);
  const missing = [];
  if (!ripgrepPath()) missing.push('ripgrep (rg)');
  if (!onPath('make') || !(onPath('g++') || onPath('c++'))) missing.push('a C++ tool chain (make, g++)');
  if (!onPath('krb5-config') && !existsSync('/usr/include/gssapi/gssapi.h')) missing.push('Kerberos headers (krb5-config, gssapi.h)');
  if (!onPath('python3')) missing.push('python3 (for node-gyp)');
  if (missing.length > 0) {
    throw new Error(`code-server: cannot install: missing ${missing.join(', ')}.\nInstall them with: sudo ${APT_HINT}`);
  }
}

function failInstall(step, output, hint, staging) {
  rmSync(staging, { recursive: true, force: true });
  const tail = String(output).trim().split('\n').slice(-40).join('\n');
  throw new Error(`code-server: install step failed: ${step}\n${tail}\n\ncode-server: ${hint}`);
}

function ripgrepPath() {
  return ['/usr/bin/rg', '/usr/local/bin/rg'].find((candidate) => existsSync(candidate)) ?? onPath('rg');
}

function onPath(command) {
  const result = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

const nodePrefix = () => dirname(dirname(process.execPath));
const npmCommand = () => (process.platform === 'win32' ? 'npm.cmd' : 'npm');

/** npm's environment for the install: no prompts, local Node headers, scripts allowed as root. */
function npmEnv() {
  const env = { ...process.env };
  // Variables `npm run` sets for the repository's own package must not leak into the cache's installs.
  for (const key of Object.keys(env)) {
    if (/^npm_(package|lifecycle)_/.test(key) || key === 'npm_config_local_prefix' || key === 'INIT_CWD') delete env[key];
  }
  const headers = join(nodePrefix(), 'include', 'node', 'node.h');
  return {
    ...env,
    npm_config_yes: 'true',
    ...(existsSync(headers) ? { npm_config_nodedir: nodePrefix() } : {}),
    // npm < 9 runs scripts as `nobody` under root without this; newer npm ignores it.
    npm_config_unsafe_perm: 'true',
    npm_config_update_notifier: 'false',
  };
}

// Servers still running when this process ends are killed, and temporary folders removed,
// whatever the reason it ends (Ctrl+C included).
const running = new Set();
const temporaryDirs = new Set();
let exitHooked = false;
function hookExit() {
  if (exitHooked) return;
  exitHooked = true;
  process.once('exit', () => {
    for (const server of running) killTree(server.pid, 'SIGKILL');
    for (const dir of temporaryDirs) rmSync(dir, { recursive: true, force: true });
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(signal, () => {
      void Promise.allSettled([...running].map((server) => server.stop())).then(() => process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1)));
    });
  }
}

/** Creates a temporary folder that is removed when this process ends; returns it and a remove(). */
export function temporaryDir(prefix) {
  hookExit();
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temporaryDirs.add(dir);
  return {
    dir,
    remove() {
      temporaryDirs.delete(dir);
      rmSync(dir, { recursive: true, force: true });
    },
    /** Leaves the folder in place for inspection. */
    keep() {
      temporaryDirs.delete(dir);
    },
  };
}

/** The pid and every descendant of it (from /proc), deepest last. */
function processTree(pid) {
  const children = new Map();
  let entries = [];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [pid];
  }
  for (const name of entries) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(name));
    } catch {
      // The process ended while we looked.
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]) ?? []));
  return tree;
}

/** Signals the process group led by pid and every descendant (terminals start their own sessions). */
function killTree(pid, signal) {
  const tree = processTree(pid);
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
  for (const member of tree) {
    try {
      process.kill(member, signal);
    } catch {
      // Already gone.
    }
  }
  return tree;
}

/** Whether pid still runs; a zombie (ended, not yet reaped, e.g. where PID 1 reaps nothing) does not. */
function isAlive(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

/** Arguments every code-server process here gets: its own data and a config file it need not write to ~/.config. */
function serverArgs({ userDataDir, extensionsDir }) {
  mkdirSync(userDataDir, { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  const config = join(userDataDir, 'code-server.yaml');
  if (!existsSync(config)) writeFileSync(config, '# Written by scripts/lib/code-server.mjs; the command line sets the rest.\nauth: none\n');
  return ['--config', config, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
}

function serverEnv(env) {
  return { ...process.env, EXTENSIONS_GALLERY: '{"serviceUrl":""}', ...env };
}

/** Installs a .vsix into an extensions folder with code-server's own CLI. */
export function installExtension({ vsix, userDataDir, extensionsDir, env = {} }) {
  const { entry } = ensureCodeServer();
  const result = spawnSync(process.execPath, [entry, ...serverArgs({ userDataDir, extensionsDir }), '--install-extension', vsix, '--force'], {
    env: serverEnv(env),
    encoding: 'utf8',
  });
  const output = `${result.stdout}\n${result.stderr}`;
  if (result.status !== 0 || !/successfully installed/i.test(output)) {
    throw new Error(`code-server --install-extension ${vsix} failed:\n${output.trim()}`);
  }
}

/**
 * Starts code-server on 127.0.0.1 (a secure context, which webviews need) and waits until it
 * answers HTTP. port 0 lets the system pick a free port.
 * Returns { url, port, pid, output (recent log lines), exited, stopped, stop() }.
 */
export async function startCodeServer({ userDataDir, extensionsDir, env = {}, extraArgs = [], port = 0, host = '127.0.0.1', echo = false, startTimeoutMs = 60_000 }) {
  const { entry } = ensureCodeServer();
  const child = spawn(process.execPath, [entry, ...serverArgs({ userDataDir, extensionsDir }), '--bind-addr', `${host}:${port}`, ...SERVER_FLAGS, ...extraArgs], {
    env: serverEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so stop() reaches the extension host and file watchers too.
    detached: true,
  });
  const output = [];
  let stopped = false;
  const server = {
    pid: child.pid,
    output,
    /** Settles when the code-server process ends, with { code, signal }. */
    exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))),
    url: '',
    port: 0,
    /** True once stop() was called (e.g. on Ctrl+C): the process ending then is expected. */
    get stopped() {
      return stopped;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      running.delete(server);
      const tree = killTree(child.pid, 'SIGTERM');
      const deadline = Date.now() + 5000;
      while (tree.some(isAlive) && Date.now() < deadline) await sleep(100);
      for (const pid of tree) if (isAlive(pid)) killTree(pid, 'SIGKILL');
    },
  };
  running.add(server);
  hookExit();

  const listening = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`code-server did not start within ${startTimeoutMs / 1000} s:\n${output.join('\n')}`)), startTimeoutMs);
    const onLine = (line) => {
      output.push(line);
      if (output.length > 2000) output.shift();
      if (echo) console.log(`[code-server] ${line}`);
      const match = /HTTP server listening on (http:\/\/[^\s/]+)\//.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(new URL(match[1]));
      }
    };
    for (const stream of [child.stdout, child.stderr]) {
      let buffered = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop();
        for (const line of lines) onLine(line);
      });
    }
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      running.delete(server);
      reject(new Error(`code-server exited (${code ?? signal}) before listening:\n${output.join('\n')}`));
    });
  });

  try {
    const address = await listening;
    server.port = Number(address.port);
    server.url = `http://${host}:${server.port}`;
    // Listening is not serving yet: wait for the first HTTP answer.
    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      try {
        const response = await globalThis.fetch(`${server.url}/healthz`);
        if (response.ok) break;
      } catch {
        // Not yet.
      }
      if (Date.now() > deadline) throw new Error(`code-server at ${server.url} did not answer HTTP within ${startTimeoutMs / 1000} s`);
      await sleep(100);
    }
    return server;
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/** The workbench address that opens `folder` with the given launch payload (VS Code's web `payload` query). */
export function workbenchUrl(server, { folder, payload = [] }) {
  const query = [`folder=${encodeURIComponent(folder).replaceAll('%2F', '/')}`];
  if (payload.length > 0) query.push(`payload=${encodeURIComponent(JSON.stringify(payload))}`);
  return `${server.url}/?${query.join('&')}`;
}

/** The URI of a server-side path as the workbench in the browser names it. */
export function remoteUri(server, path) {
  return `vscode-remote://127.0.0.1:${server.port}${pathToFileURL(path).pathname}`;
}

/**
 * Runs an extension test suite in a real extension host: fresh user data and extensions folders,
 * optionally a .vsix installed first, code-server started, the workbench opened in headless
 * Chromium with extensionTestsPath. Resolves with the suite's exit code (0 passed, 1 failed);
 * rejects when it does not finish within timeoutMs, after a screenshot into test-results/.
 */
export async function runExtensionTests({ extensionDevelopmentPath, extensionTestsPath, folder, installVsix, env = {}, settings = {}, timeoutMs = 180_000, screenshotPath, label = 'host', keep = false }) {
  const { chromium } = await import('playwright-core');
  const started = Date.now();
  const temporary = temporaryDir('medallion-exthost-');
  const temp = temporary.dir;
  const userDataDir = join(temp, 'user-data');
  const extensionsDir = join(temp, 'extensions');
  writeUserSettings(userDataDir, settings);
  // Tell the suite where the extension under test should come from.
  const hostEnv = {
    MEDALLION_TEST_EXTENSIONS_DIR: extensionsDir,
    ...(installVsix ? { MEDALLION_TEST_VSIX: installVsix } : {}),
    ...(extensionDevelopmentPath ? { MEDALLION_TEST_DEVELOPMENT_PATH: extensionDevelopmentPath } : {}),
    ...env,
  };

  let server;
  let browser;
  const pageErrors = [];
  try {
    if (installVsix) installExtension({ vsix: installVsix, userDataDir, extensionsDir, env: hostEnv });
    // VS Code runs extensionTestsPath only together with an extension under development. To test the
    // extension as installed from the .vsix, that one is an empty stand-in with another id.
    const developmentPath = extensionDevelopmentPath ?? writeRunnerExtension(join(temp, 'test-runner'));
    server = await startCodeServer({ userDataDir, extensionsDir, env: hostEnv });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });

    let settle;
    const exited = new Promise((resolve) => (settle = resolve));
    // Registered before navigation: the workbench looks for them when the suite settles.
    await page.exposeFunction('codeAutomationLog', (type, args) => printHostLog(label, type, args));
    await page.exposeFunction('codeAutomationExit', (code) => settle(Number(code)));
    const payload = [
      ['extensionDevelopmentPath', remoteUri(server, developmentPath)],
      ['extensionTestsPath', remoteUri(server, extensionTestsPath)],
      ['skipWelcome', 'true'],
    ];
    await page.goto(workbenchUrl(server, { folder, payload }));

    let timer;
    const timedOut = new Promise((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const code = await Promise.race([exited, timedOut, server.exited.then(() => 'server-ended')]);
    clearTimeout(timer);
    if (code === 'server-ended') {
      throw new Error(`[${label}] code-server ended before the tests finished:\n${server.output.slice(-30).join('\n')}`);
    }
    if (code === 'timeout') {
      const shot = screenshotPath ?? join(root, 'test-results', `extension-host-${label}-timeout.png`);
      mkdirSync(dirname(shot), { recursive: true });
      await page.screenshot({ path: shot }).catch(() => {});
      throw new Error(
        `[${label}] the extension tests did not finish within ${timeoutMs / 1000} s; screenshot: ${shot}\n` +
          `code-server output (last lines):\n${server.output.slice(-30).join('\n')}\n` +
          `workbench errors (last):\n${pageErrors.slice(-10).join('\n')}`,
      );
    }
    console.log(`[${label}] extension host tests ${code === 0 ? 'passed' : 'failed'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return code;
  } finally {
    await browser?.close().catch(() => {});
    await server?.stop();
    if (keep) {
      temporary.keep();
      console.log(`[${label}] kept ${temp}`);
    } else {
      temporary.remove();
    }
  }
}

/** Writes User/settings.json that keeps the workbench quiet and deterministic; `extra` wins. */
export function writeUserSettings(userDataDir, extra = {}, { keepExisting = false } = {}) {
  const file = join(userDataDir, 'User', 'settings.json');
  if (keepExisting && existsSync(file)) return;
  const settings = {
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'security.workspace.trust.enabled': false,
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    // dbt-sample lies inside this repository's git checkout: no prompt about the parent repository.
    'git.openRepositoryInParentFolders': 'never',
    ...extra,
  };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(settings, null, 2) + '\n');
}

function writeRunnerExtension(dir) {
  mkdirSync(dir, { recursive: true });
  const manifest = { name: 'test-runner', publisher: 'medallion-tests', version: '0.0.0', engines: { vscode: '*' }, description: 'Stand-in so VS Code runs extensionTestsPath' };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
  return dir;
}

// The workbench's own start-up chatter, shown only with MEDALLION_TEST_VERBOSE=1.
const WORKBENCH_CHATTER = /^(Resolving connection token|Resolved connection token|Creating a socket|Ignoring fetching additional builtin extensions|\[Service Worker\] registered|ChatSessionStore: Migrating 0 |Updating additional builtin extensions cache)/;

/** Prints one console call of the extension host (or the workbench), formatted as Node would. */
function printHostLog(label, type, args) {
  const text = Array.isArray(args) ? format(...args) : String(args);
  if (WORKBENCH_CHATTER.test(text) && !process.env.MEDALLION_TEST_VERBOSE) return;
  const stream = type === 'error' ? process.stderr : process.stdout;
  for (const line of text.replace(/\s+$/, '').split('\n')) stream.write(`[${label}] ${line}\n`);
}
