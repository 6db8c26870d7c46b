// Puppeteer must never download a browser: tests use the system Chromium
// (/usr/bin/chromium, or $CHROME_PATH). See tests/e2e/support/browser.ts.
module.exports = { skipDownload: true };
