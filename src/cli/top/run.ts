/**
 * `vchat top`: scrape GET /metrics every interval and redraw the view (on the terminal's
 * alternate screen, so the shell comes back as it was); `q` or Ctrl-C quits. `--once`:
 * two scrapes one interval apart, printed once (text or JSON) for scripts.
 */
import type { Writable } from 'node:stream';
import { createPool } from '../client/http.ts';
import type { Sample } from './exposition.ts';
import { ScrapeRefused, scrapeMetrics, type ScrapeOptions } from './scrape.ts';
import { computeView, renderView, type TopView } from './view.ts';

export interface TopOptions {
  api: string;
  token?: string | undefined;
  headers: Record<string, string>;
  /** Refresh period (and the --once measuring interval). */
  intervalMs: number;
}

/** A keyboard the live view reads `q` from (process.stdin). */
export interface Keyboard {
  isTTY?: boolean;
  setRawMode?(raw: boolean): unknown;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  off(event: 'data', listener: (chunk: Buffer) => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

const ALT_SCREEN_ON = '\x1b[?1049h\x1b[?25l';
const ALT_SCREEN_OFF = '\x1b[?25h\x1b[?1049l';
const HOME_AND_CLEAR = '\x1b[H\x1b[2J';

/** Two scrapes `intervalMs` apart and the view between them. Throws ScrapeRefused / Error. */
export async function topOnce(options: TopOptions): Promise<TopView> {
  const pool = createPool({ connections: 1 });
  try {
    const scrape = scraper(options, pool);
    const first = await scrape();
    const startedMs = performance.now();
    await new Promise((r) => setTimeout(r, options.intervalMs));
    const second = await scrape();
    return computeView(first, second, (performance.now() - startedMs) / 1000, new Date());
  } finally {
    await pool.close();
  }
}

/** The live view until `q`, Ctrl-C or a refused scrape (returned as its message). */
export async function topLive(options: TopOptions, out: Writable, keys: Keyboard): Promise<string | null> {
  const pool = createPool({ connections: 1 });
  const scrape = scraper(options, pool);
  let previous: { samples: Sample[]; atMs: number } | null = null;
  let timer: NodeJS.Timeout | undefined;
  let finish: (refusal: string | null) => void = () => undefined;
  const done = new Promise<string | null>((resolve) => (finish = resolve));
  const onKey = (chunk: Buffer): void => {
    const key = chunk.toString('utf8');
    if (key === 'q' || key === 'Q' || key === '\x03') finish(null);
  };

  const draw = (lines: string[]): void => void out.write(`${HOME_AND_CLEAR}${lines.join('\r\n')}\r\n`);
  const tick = async (): Promise<void> => {
    try {
      const samples = await scrape();
      const atMs = performance.now();
      if (previous)
        draw(
          renderView(options.api, computeView(previous.samples, samples, (atMs - previous.atMs) / 1000, new Date())),
        );
      else draw([`vchat top - ${options.api}   (q to quit)`, '', '  first scrape done; rates from the next one…']);
      previous = { samples, atMs };
    } catch (err) {
      if (err instanceof ScrapeRefused) {
        finish(err.message);
        return;
      }
      draw([
        `vchat top - ${options.api}   (q to quit)`,
        '',
        `  ${(err as Error).message}; retrying every ${options.intervalMs / 1000} s`,
      ]);
    }
    timer = setTimeout(() => void tick(), options.intervalMs);
  };

  out.write(ALT_SCREEN_ON);
  if (keys.isTTY) keys.setRawMode?.(true);
  keys.on('data', onKey);
  keys.resume();
  void tick();
  const refusal = await done;
  clearTimeout(timer);
  keys.off('data', onKey);
  if (keys.isTTY) keys.setRawMode?.(false);
  keys.pause();
  out.write(ALT_SCREEN_OFF);
  await pool.close();
  return refusal;
}

function scraper(options: TopOptions, dispatcher: ScrapeOptions['dispatcher']): () => Promise<Sample[]> {
  const request: ScrapeOptions = {
    api: options.api,
    token: options.token,
    headers: options.headers,
    timeoutMs: Math.max(2000, options.intervalMs),
    ...(dispatcher ? { dispatcher } : {}),
  };
  return () => scrapeMetrics(request);
}
