// Set-up shared by `npm test`, `npm run demo` and `npm run bench`: everything a fresh
// Debian machine needs, installed only when missing. Uses Node built-ins only, because it
// runs before node_modules exists.
import { existsSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

export const PYTHON = process.env.MFLUX_PORT_TEST_PYTHON || '/usr/bin/python3';

/** Debian packages, each with a probe telling whether it is already there. */
const SYSTEM_PACKAGES = [
  { pkg: 'python3-numpy', present: () => pyImports('numpy') },
  { pkg: 'python3-torch', present: () => pyImports('torch') },
  { pkg: 'python3-pil', present: () => pyImports('PIL') },
  { pkg: 'python3-skimage', present: () => pyImports('skimage') },
  // diffusers checks for it on import; tests run the real diffusers code (VAE, FluxPipeline).
  { pkg: 'python3-filelock', present: () => pyImports('filelock') },
  { pkg: 'chromium', present: () => existsSync('/usr/bin/chromium') },
  // clang + wasm-ld build native/kernels.c into dist/kernels.wasm (the SIMD kernels).
  { pkg: 'clang', present: () => existsSync('/usr/bin/clang') },
  { pkg: 'lld', present: () => existsSync('/usr/bin/wasm-ld') },
  { pkg: 'ripgrep', present: () => existsSync('/usr/bin/rg') },
  // Native modules of the VS Code test host (code-server) build against these.
  { pkg: 'libkrb5-dev', present: () => dpkgHas('libkrb5-dev') },
  { pkg: 'libx11-dev', present: () => dpkgHas('libx11-dev') },
  { pkg: 'libxkbfile-dev', present: () => dpkgHas('libxkbfile-dev') },
  { pkg: 'libsecret-1-dev', present: () => dpkgHas('libsecret-1-dev') },
  { pkg: 'pkg-config', present: () => dpkgHas('pkg-config') },
  // Shells for the quoting tests of the runners.
  { pkg: 'zsh', present: () => existsSync('/usr/bin/zsh') || existsSync('/bin/zsh') },
  { pkg: 'fish', present: () => existsSync('/usr/bin/fish') },
];

function pyImports(mod) {
  return spawnSync(PYTHON, ['-c', `import ${mod}`], { stdio: 'ignore' }).status === 0;
}

function dpkgHas(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    console.error(`error: \`${cmd} ${args.join(' ')}\` exited with ${r.status ?? r.signal}`);
    process.exit(r.status || 1);
  }
}

/**
 * npm install when node_modules is missing or older than the lock file (incremental, unlike
 * `npm ci`, which also works: every optional platform package of the lock has its node).
 */
export function ensureNodeModules() {
  const marker = 'node_modules/.package-lock.json';
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync('package-lock.json').mtimeMs) return;
  console.log('› installing npm dependencies (npm install)');
  run('npm', ['install', '--no-audit', '--no-fund']);
}

/** Installs missing Debian packages when running as root on Debian; otherwise says what to install. */
export function ensureSystemPackages() {
  const missing = SYSTEM_PACKAGES.filter((p) => !p.present()).map((p) => p.pkg);
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const isDebian = existsSync('/etc/debian_version');
  if (!isRoot || !isDebian) {
    console.error(`error: missing system packages: ${missing.join(' ')}`);
    console.error(`install them (Debian/Ubuntu: sudo apt-get install ${missing.join(' ')}) and run again`);
    process.exit(2);
  }
  console.log(`› installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env });
  run('apt-get', ['install', '-y', '-qq', ...missing], { env });
}

export function step(title) {
  console.log(`\n› ${title}`);
}
