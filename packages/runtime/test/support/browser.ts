// A real headless Chromium for the browser tests: Debian's `chromium` package driven by
// playwright-core (no browser download). `.ci/run` installs the package when missing.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CANDIDATES = [process.env.MVKIT_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean) as string[];

export function chromiumPath(): string {
  const found = CANDIDATES.find((p) => existsSync(p));
  if (!found) throw new Error('no chromium found: install Debian\'s chromium package (apt-get install -y chromium) or set MVKIT_CHROMIUM');
  return found;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}
