// Debian's Chromium as the webview and e2e tests start it (through playwright-core).
export const CHROMIUM = process.env.MFLUX_PORT_CHROMIUM || '/usr/bin/chromium';
/** Chromium flags that work headless as root on these machines. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];
