/** End-to-end tests drive the BUILT extension: fail early, with the fix, when dist/ is missing. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CHROME_PATH, DIST_DIR } from './browser';

export default function setup(): void {
  if (!existsSync(join(DIST_DIR, 'manifest.json'))) {
    throw new Error(`No built extension in ${DIST_DIR}. Run \`npm run build\` first (\`npm test\` does).`);
  }
  if (!existsSync(CHROME_PATH)) {
    throw new Error(`No Chromium at ${CHROME_PATH}. Install it (apt-get install -y chromium) or set CHROME_PATH.`);
  }
}
