#!/usr/bin/env node
/**
 * `npm test`: checks for a system browser first (and stops at once, explaining how to install
 * one, when there is none), builds the production app, then runs every unit and end-to-end test
 * and prints one summary line.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

function findBrowser() {
  if (process.env.CHROMIUM_PATH) return existsSync(process.env.CHROMIUM_PATH) ? process.env.CHROMIUM_PATH : null;
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  for (const name of ['chromium-browser', 'chromium', 'google-chrome', 'google-chrome-stable']) {
    const found = spawnSync('which', [name], { encoding: 'utf8' });
    if (found.status === 0 && found.stdout.trim()) return found.stdout.trim();
  }
  return null;
}

if (!findBrowser()) {
  console.error(
    'npm test needs Chromium or Chrome for the end-to-end tests, and found none.\n' +
      'Install one (Debian/Ubuntu: `sudo apt-get install chromium`; macOS: install Google Chrome)\n' +
      'or set CHROMIUM_PATH to its executable. The tests never download a browser.',
  );
  process.exit(1);
}

const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit', shell: false }).status ?? 1;

// Types first (TypeScript and Svelte components): a type error fails fast, before the slow tests.
if (run('npx', ['svelte-check', '--tsconfig', './tsconfig.json', '--output', 'human', '--threshold', 'error']) !== 0) process.exit(1);
// The layer rules of .dependency-cruiser.cjs: no import cycle, no arrow from a lower layer up.
if (run('npx', ['depcruise', 'src', 'models', 'workers', '--config', '.dependency-cruiser.cjs', '--output-type', 'err']) !== 0) process.exit(1);
if (run('npx', ['vite', 'build', '--logLevel', 'warn']) !== 0) process.exit(1);
const status = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=./scripts/summaryReporter.ts', ...process.argv.slice(2)]);
process.exit(status);
