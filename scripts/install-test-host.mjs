// Installs the VS Code test host: code-server (VS Code for the browser) from the npm registry
// into .vscode-test-host/, which git ignores. The usual test runners download VS Code from
// Microsoft at test time; these machines reach only the npm registry and Debian, so the host is
// built from npm packages alone (see README "Tests in a real VS Code").
//
// Idempotent: each step leaves a stamp, so a second run is a few stat calls, and a run that was
// interrupted resumes at the step that did not finish. Nothing is downloaded but npm packages:
// install scripts are off (code-server's own would fetch ripgrep from GitHub), native modules
// are compiled against the local Node headers, and ripgrep is Debian's.
//
// Usage: node scripts/install-test-host.mjs [--force] [--quiet] [--verbose]
// Exports `ensureTestHost()` for scripts that want the host (demo).
import {
  existsSync,
  mkdirSync,
  readFileSync,
  writeFileSync,
  rmSync,
  symlinkSync,
  lstatSync,
  readlinkSync,
  unlinkSync,
  readdirSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3';
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** MFLUX_PORT_TEST_HOST moves the host elsewhere (a CI cache, or a scratch copy). */
export const HOST_DIR = process.env.MFLUX_PORT_TEST_HOST ? resolve(process.env.MFLUX_PORT_TEST_HOST) : join(REPO_ROOT, '.vscode-test-host');
export const CODE_SERVER_DIR = join(HOST_DIR, 'node_modules', 'code-server');
export const CODE_SERVER_ENTRY = join(CODE_SERVER_DIR, 'out', 'node', 'entry.js');

const VSCODE_DIR = join(CODE_SERVER_DIR, 'lib', 'vscode');
const NATIVE_MODULES = ['kerberos', 'node-pty', '@parcel/watcher', '@vscode/spdlog', 'native-watchdog', '@vscode/deviceid'];
/**
 * Packages whose install script first tries to fetch a prebuilt binary from GitHub (kerberos
 * through prebuild-install, argon2 through node-pre-gyp). Both skip the download when
 * npm_config_build_from_source names them, and compile instead.
 */
const DOWNLOADING_NATIVES = ['kerberos'];
const VERBOSE = process.argv.includes('--verbose');
const STAMP_DIR = join(HOST_DIR, '.stamps');
/** Native builds depend on the Node ABI, so the stamps name it: a new Node rebuilds them. */
const STAMP_KEY = `${CODE_SERVER_VERSION}-node${process.versions.modules}`;

class InstallError extends Error {}

function log(quiet, msg) {
  if (!quiet) console.log(msg);
}

function sh(cmd, args, cwd, what, env = {}) {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, ...env },
  });
  if (VERBOSE) process.stdout.write(`$ (${cwd}) ${cmd} ${args.join(' ')}\n${r.stdout ?? ''}${r.stderr ?? ''}`);
  if (r.error) throw new InstallError(`${what}: could not run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) {
    const tail = `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-25).join('\n');
    throw new InstallError(`${what} failed (\`${cmd} ${args.join(' ')}\` in ${cwd} exited with ${r.status ?? r.signal}):\n${tail}`);
  }
  return r.stdout;
}

/** Local Node headers, so node-gyp compiles without fetching a headers tarball from nodejs.org. */
function nodeHeadersDir() {
  const candidates = [process.env.npm_config_nodedir, resolve(dirname(process.execPath), '..'), '/usr', '/usr/local'].filter(Boolean);
  for (const dir of candidates) {
    if (existsSync(join(dir, 'include', 'node', 'node.h')) && existsSync(join(dir, 'include', 'node', 'common.gypi'))) return dir;
  }
  throw new InstallError(
    `the Node ${process.version} headers (include/node/node.h) were not found next to ${process.execPath}; ` +
      'the test host compiles native modules against them. Install Node with its headers (the nodejs package from NodeSource, ' +
      'or the official tarball) or set npm_config_nodedir to a folder holding include/node/',
  );
}

function checkTools() {
  const missing = [];
  for (const [tool, pkg] of [
    ['make', 'make'],
    ['g++', 'g++'],
    ['pkg-config', 'pkg-config'],
  ]) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0) missing.push(pkg);
  }
  if (!existsSync('/usr/bin/rg')) missing.push('ripgrep');
  for (const [header, pkg] of [
    ['/usr/include/X11/Xlib.h', 'libx11-dev'],
    ['/usr/include/X11/extensions/XKBfile.h', 'libxkbfile-dev'],
    ['/usr/include/krb5.h', 'libkrb5-dev'],
  ]) {
    if (!existsSync(header)) missing.push(pkg);
  }
  if (spawnSync('pkg-config', ['--exists', 'libsecret-1'], { stdio: 'ignore' }).status !== 0) missing.push('libsecret-1-dev');
  if (missing.length) {
    throw new InstallError(
      `missing system packages for the test host: ${missing.join(' ')} (Debian: apt-get install ${missing.join(' ')}; \`npm test\` installs them when run as root)`,
    );
  }
}

function installedCodeServerVersion() {
  try {
    return JSON.parse(readFileSync(join(CODE_SERVER_DIR, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

function stampPath(name) {
  return join(STAMP_DIR, `${name}-${STAMP_KEY}`);
}

/** The host is complete when the final stamp exists and the files it vouches for are still there. */
export function testHostReady() {
  return existsSync(stampPath('done')) && existsSync(CODE_SERVER_ENTRY) && installedCodeServerVersion() === CODE_SERVER_VERSION;
}

function linkTo(path, target) {
  let current;
  try {
    if (lstatSync(path).isSymbolicLink()) current = readlinkSync(path);
    else rmSync(path, { recursive: true, force: true });
  } catch {
    /* absent */
  }
  if (current === target) return;
  if (current !== undefined) unlinkSync(path);
  mkdirSync(dirname(path), { recursive: true });
  symlinkSync(target, path);
}

/** Removes stamps of other versions/ABIs and a code-server of another version. */
function discardStale(quiet) {
  const have = installedCodeServerVersion();
  if (have && have !== CODE_SERVER_VERSION) {
    log(quiet, `  code-server ${have} found; replacing it with ${CODE_SERVER_VERSION}`);
    rmSync(join(HOST_DIR, 'node_modules'), { recursive: true, force: true });
    rmSync(STAMP_DIR, { recursive: true, force: true });
  }
  if (existsSync(STAMP_DIR)) {
    for (const name of readdirSync(STAMP_DIR)) {
      if (!name.endsWith(`-${STAMP_KEY}`)) rmSync(join(STAMP_DIR, name), { force: true });
    }
  }
  // A half-finished first step can leave a package folder without its entry point.
  if (!existsSync(stampPath('code-server')) || (have && !existsSync(CODE_SERVER_ENTRY))) {
    rmSync(stampPath('code-server'), { force: true });
  }
}

function steps(nodedir) {
  const npmEnv = {
    npm_config_nodedir: nodedir,
    npm_config_yes: 'true',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  };
  return [
    {
      name: 'code-server',
      title: `code-server ${CODE_SERVER_VERSION} from the npm registry`,
      run() {
        writeFileSync(
          join(HOST_DIR, 'package.json'),
          JSON.stringify(
            {
              name: 'mflux-port-test-host',
              private: true,
              description: 'VS Code test host (generated by scripts/install-test-host.mjs)',
              dependencies: { 'code-server': CODE_SERVER_VERSION },
            },
            null,
            2,
          ) + '\n',
        );
        // --ignore-scripts: code-server's postinstall refuses root and fetches ripgrep from GitHub.
        sh(
          'npm',
          ['install', '--ignore-scripts', '--no-package-lock', `code-server@${CODE_SERVER_VERSION}`],
          HOST_DIR,
          'installing code-server',
          npmEnv,
        );
        if (installedCodeServerVersion() !== CODE_SERVER_VERSION)
          throw new InstallError(`npm installed code-server ${installedCodeServerVersion()}, expected ${CODE_SERVER_VERSION}`);
      },
    },
    {
      name: 'vscode-deps',
      title: 'VS Code dependencies',
      run() {
        sh('npm', ['install', '--omit=dev', '--ignore-scripts'], VSCODE_DIR, 'installing the VS Code dependencies', npmEnv);
      },
    },
    {
      name: 'natives',
      title: `native modules against Node ${process.version} headers`,
      run() {
        for (const m of DOWNLOADING_NATIVES) {
          sh('npm', ['rebuild', '--foreground-scripts', m], VSCODE_DIR, `building ${m}`, { ...npmEnv, npm_config_build_from_source: m });
        }
        const rest = NATIVE_MODULES.filter((m) => !DOWNLOADING_NATIVES.includes(m));
        sh('npm', ['rebuild', '--foreground-scripts', ...rest], VSCODE_DIR, 'building the native modules', npmEnv);
      },
    },
    {
      name: 'links',
      title: 'ripgrep (Debian) and node_modules.asar',
      run() {
        linkTo(join(VSCODE_DIR, 'node_modules', '@vscode', 'ripgrep', 'bin', 'rg'), '/usr/bin/rg');
        linkTo(join(VSCODE_DIR, 'node_modules.asar'), 'node_modules');
      },
    },
    {
      name: 'extensions',
      title: 'built-in extensions',
      run() {
        const dir = join(VSCODE_DIR, 'extensions');
        sh('npm', ['install', '--omit=dev', '--ignore-scripts'], dir, 'installing the built-in extensions', npmEnv);
        sh(process.execPath, ['postinstall.mjs'], dir, 'preparing the built-in extensions', npmEnv);
      },
    },
    {
      name: 'argon2',
      title: 'argon2 (code-server password hashing)',
      run() {
        sh('npm', ['rebuild', '--foreground-scripts', 'argon2'], HOST_DIR, 'building argon2', {
          ...npmEnv,
          npm_config_build_from_source: 'argon2',
        });
      },
    },
    {
      name: 'check',
      title: 'smoke check',
      run() {
        const out = sh(process.execPath, [CODE_SERVER_ENTRY, '--version'], HOST_DIR, 'starting code-server').trim();
        if (!out.includes(CODE_SERVER_VERSION))
          throw new InstallError(`code-server --version printed "${out}", expected ${CODE_SERVER_VERSION}`);
        // Load each native module with this Node: a wrong ABI fails here rather than in a test.
        const probe = NATIVE_MODULES.map((m) => `require(${JSON.stringify(m)});`).join('');
        sh(process.execPath, ['-e', probe], VSCODE_DIR, 'loading the native modules');
      },
    },
  ];
}

/** Waits for another install in progress (test and demo may start together), then takes the lock. */
function lock(quiet) {
  mkdirSync(HOST_DIR, { recursive: true });
  const path = join(HOST_DIR, '.lock');
  for (let waited = 0; ; waited++) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      return () => rmSync(path, { force: true });
    } catch {
      const pid = Number(readFileSync(path, 'utf8'));
      let alive = false;
      try {
        alive = pid > 0 && pid !== process.pid && process.kill(pid, 0);
      } catch {
        alive = false;
      }
      if (!alive) {
        rmSync(path, { force: true });
        continue;
      }
      if (waited === 0) log(quiet, `  waiting for another install (pid ${pid}) to finish`);
      if (waited > 1800) throw new InstallError(`another install (pid ${pid}) has held ${path} for 30 minutes; stop it or delete the file`);
      spawnSync('sleep', ['1']);
    }
  }
}

/** Installs what is missing; returns the path of code-server's entry script. */
export function ensureTestHost({ force = false, quiet = false } = {}) {
  if (!force && testHostReady()) return CODE_SERVER_ENTRY;
  const unlock = lock(quiet);
  try {
    if (force) rmSync(STAMP_DIR, { recursive: true, force: true });
    if (testHostReady()) return CODE_SERVER_ENTRY;
    log(quiet, `› VS Code test host: code-server ${CODE_SERVER_VERSION} into ${HOST_DIR}`);
    checkTools();
    const nodedir = nodeHeadersDir();
    discardStale(quiet);
    mkdirSync(STAMP_DIR, { recursive: true });
    const started = Date.now();
    for (const s of steps(nodedir)) {
      if (existsSync(stampPath(s.name))) continue;
      const t0 = Date.now();
      log(quiet, `  ${s.title}…`);
      s.run();
      writeFileSync(stampPath(s.name), new Date().toISOString() + '\n');
      log(quiet, `    done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    writeFileSync(
      stampPath('done'),
      JSON.stringify({ codeServer: CODE_SERVER_VERSION, node: process.version, at: new Date().toISOString() }) + '\n',
    );
    log(quiet, `  test host ready in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return CODE_SERVER_ENTRY;
  } finally {
    unlock();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t0 = Date.now();
  try {
    ensureTestHost({ force: process.argv.includes('--force'), quiet: process.argv.includes('--quiet') });
    if (!process.argv.includes('--quiet')) console.log(`test host: ${CODE_SERVER_ENTRY} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  } catch (e) {
    if (e instanceof InstallError) {
      console.error(`error: ${e.message}`);
      process.exit(1);
    }
    throw e;
  }
}
