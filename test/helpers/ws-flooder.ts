/**
 * A WebSocket flooder run as its own process (`node --import tsx test/helpers/ws-flooder.ts
 * '<json options>'`), so the test process that measures the server is not busy generating the
 * flood. Each of `sockets` workers opens a socket from `localAddress`, sends a rotation of
 * oversized keep_alive and pong frames, small keep_alives and protocol pings as fast as the
 * socket takes them, and reconnects at once whenever it is closed (20 ms after a refusal; an
 * attacker ignores Retry-After), until `durationMs` has passed. Prints one line `flooding` when the
 * first socket is open and one JSON summary line (FloodReport) at the end.
 */
import WebSocket from 'ws';

export interface FloodOptions {
  url: string;
  origin: string;
  localAddress: string;
  sockets: number;
  durationMs: number;
}

export interface FloodReport {
  opened: number;
  /** Close codes seen by the flooder, with their counts. */
  closes: Record<string, number>;
  /** HTTP statuses of refused upgrades, with their counts. */
  refused: Record<string, number>;
  /** Bytes handed to ws.send (what the flooder offered, not what the server read). */
  offeredBytes: number;
}

const PAD = 'x'.repeat(60 * 1024);
const FRAMES = [
  JSON.stringify({ type: 'keep_alive', timestamp: 0, pad: PAD }),
  JSON.stringify({ type: 'pong', pad: PAD }),
  JSON.stringify({ type: 'keep_alive', timestamp: 0 }),
  JSON.stringify({ type: 'pong' }),
];
const PING_PAYLOAD = Buffer.alloc(125, 1);
/** Queued but unsent bytes above which the flooder yields instead of sending more. */
const MAX_QUEUED = 1024 * 1024;
/** Pause after a refused upgrade before the next attempt. */
const REFUSED_PAUSE_MS = 20;

const count = (tally: Record<string, number>, key: number | string): void => {
  tally[String(key)] = (tally[String(key)] ?? 0) + 1;
};

/** Open one socket; resolves with it, or with the HTTP status that refused it (0: no answer). */
function open(opts: FloodOptions): Promise<WebSocket | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(opts.url, {
      origin: opts.origin,
      localAddress: opts.localAddress,
      perMessageDeflate: false,
    });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', () => resolve(0));
  });
}

async function worker(opts: FloodOptions, deadline: number, report: FloodReport, onOpen: () => void): Promise<void> {
  while (performance.now() < deadline) {
    const ws = await open(opts);
    if (typeof ws === 'number') {
      count(report.refused, ws);
      // Retry-After is ignored, as an attacker would; the short pause keeps this a frame flood with
      // reconnects, not an HTTP connection flood (that one is the TCP cap's, tested on its own).
      await new Promise((r) => setTimeout(r, REFUSED_PAUSE_MS));
      continue;
    }
    report.opened++;
    onOpen();
    const closed = new Promise<void>((resolve) =>
      ws.once('close', (code) => {
        count(report.closes, code);
        resolve();
      }),
    );
    ws.on('error', () => undefined);
    for (let i = 0; ws.readyState === WebSocket.OPEN && performance.now() < deadline; i++) {
      if (ws.bufferedAmount > MAX_QUEUED) {
        await new Promise((r) => setTimeout(r, 1));
        continue;
      }
      if (i % 5 === 4) ws.ping(PING_PAYLOAD);
      else {
        const frame = FRAMES[i % 5]!;
        ws.send(frame);
        report.offeredBytes += frame.length;
      }
      await new Promise((r) => setImmediate(r));
    }
    ws.terminate();
    await closed;
  }
}

async function main(): Promise<void> {
  const opts = JSON.parse(process.argv[2] ?? '{}') as FloodOptions;
  const report: FloodReport = { opened: 0, closes: {}, refused: {}, offeredBytes: 0 };
  const deadline = performance.now() + opts.durationMs;
  let announced = false;
  const onOpen = (): void => {
    if (announced) return;
    announced = true;
    process.stdout.write('flooding\n');
  };
  await Promise.all(Array.from({ length: opts.sockets }, () => worker(opts, deadline, report, onOpen)));
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

await main();
