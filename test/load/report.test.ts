/**
 * `--report out.html` for load and soak, opened in headless Chromium (Debian's `chromium`,
 * driven by playwright-core; no browser download): the page renders its four charts with
 * data, offline. Screenshots go to test-artifacts/, which CI uploads.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAction } from '../../src/cli/load/command.ts';
import { soakAction } from '../../src/cli/soak/command.ts';
import { captureIo } from '../helpers/io.ts';
import { ORIGIN, startTestServer, type TestServer } from '../helpers/server.ts';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const CHROMIUM = [
  process.env.VCHAT_CHROMIUM,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
].find((p): p is string => Boolean(p && existsSync(p)));
const dir = mkdtempSync(join(tmpdir(), 'vchat-report-'));
let srv: TestServer;
let browser: Browser | undefined;

beforeAll(async () => {
  srv = await startTestServer({ wsMessageRate: { perSecond: 1000, burst: 1000 } });
  mkdirSync(ARTIFACTS, { recursive: true });
  if (CHROMIUM)
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await srv.close();
});

/** Open the report offline, wait for the charts, return what they drew; save a screenshot. */
async function openReport(
  file: string,
  screenshot: string,
): Promise<{ charts: Array<{ id: string; points: number }>; inked: number[]; title: string }> {
  const context = await (browser as Browser).newContext({ offline: true, viewport: { width: 1000, height: 800 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`file://${file}`);
  // The scripts run during load: a script error is known by now and says more than a timeout.
  expect(errors).toEqual([]);
  await page.waitForSelector('body[data-rendered="4"]', { state: 'attached', timeout: 15_000 });
  const charts = await page.evaluate<Array<{ id: string; points: number }>>('window.vchatCharts');
  // Pixels drawn on each chart's canvas (a blank canvas has none).
  const inked = await page.evaluate<number[]>(`[...document.querySelectorAll('.chart canvas')].map((c) => {
    const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < px.length; i += 4) if (px[i] > 0) n++;
    return n;
  })`);
  await page.screenshot({ path: join(ARTIFACTS, screenshot), fullPage: true });
  const title = await page.title();
  await context.close();
  expect(errors).toEqual([]);
  return { charts, inked, title };
}

const reason = CHROMIUM
  ? ''
  : ' (SKIPPED: no chromium binary at /usr/bin/chromium; .ci/run installs it with apt-get, or set VCHAT_CHROMIUM)';

describe('HTML reports in headless Chromium', () => {
  it.skipIf(!CHROMIUM)(
    `vchat load --report: four charts drawn with data, the verdict and settings on the page${reason}`,
    async () => {
      const file = join(dir, 'load.html');
      const io = captureIo();
      const code = await loadAction(
        {
          api: srv.url,
          origin: ORIGIN,
          clients: '8',
          rooms: '2',
          ramp: '200ms',
          rate: '40',
          duration: '3s',
          workers: '0',
          maxLoss: '0',
          report: file,
        },
        io,
      );
      expect(code).toBe(0);
      const html = readFileSync(file, 'utf8');
      expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
      const { charts, inked, title } = await openReport(file, 'report-load.png');
      expect(title).toMatch(/^vchat load PASS /);
      expect(charts.map((c) => c.id)).toEqual(['deliveries', 'latency', 'curve', 'errors']);
      for (const c of charts) expect(c.points, c.id).toBeGreaterThan(1);
      expect(inked).toHaveLength(4);
      for (const n of inked) expect(n).toBeGreaterThan(500);
      expect(html).toContain('max_loss');
    },
    60_000,
  );

  it.skipIf(!CHROMIUM)(
    `vchat soak --report: one point per interval, reconnects charted${reason}`,
    async () => {
      const file = join(dir, 'soak.html');
      const io = captureIo();
      const code = await soakAction(
        {
          api: srv.url,
          origin: ORIGIN,
          clients: '4',
          rooms: '1',
          rate: '10',
          duration: '3s',
          interval: '1s',
          drain: '300ms',
          reconnect: '1',
          maxRssGrowth: '1GB',
          maxP99Growth: '60000ms',
          report: file,
        },
        io,
      );
      expect(code).toBe(0);
      const { charts, title } = await openReport(file, 'report-soak.png');
      expect(title).toMatch(/^vchat soak PASS /);
      expect(charts.find((c) => c.id === 'deliveries')?.points).toBe(3);
      expect(charts).toHaveLength(4);
    },
    60_000,
  );
});
