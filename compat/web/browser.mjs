// What every web suite loads: a static server on 127.0.0.1:0 with the SDK's IIFE bundle and a
// bare HTML page, and Debian's Chromium, headless, with the flags this machine's closed network
// needs (no background networking, no component updates, no sync).

import http from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const SDK = readFileSync(path.join(here, 'node_modules/appwrite/dist/iife/sdk.js'));
const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

/** Starts the page server and the browser: `{ browser, origin, close }`. */
export async function openBrowser() {
  const pages = http.createServer((req, res) => {
    if (req.url === '/sdk.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(SDK);
    } else {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script src="/sdk.js"></script><p>oxwrite</p>');
    }
  });
  await new Promise((resolve) => pages.listen(0, '127.0.0.1', resolve));
  let browser;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  } catch (e) {
    pages.close();
    throw e;
  }
  return {
    browser,
    origin: `http://127.0.0.1:${pages.address().port}`,
    close: async () => {
      await browser.close();
      pages.close();
    },
  };
}
