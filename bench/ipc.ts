/**
 * The bench servers run as forked children so they get their own core. Each one calls
 * `serveBench(server)`: it reports its port over IPC, answers `{type:'mem'}` with
 * process.memoryUsage() after a full GC (the bench forks with --expose-gc), and exits
 * when the parent disconnects (after `onExit`, e.g. dropping the run's database). `{type:'cpu'}`
 * answers the CPU time used so far, so the bench can report server CPU per request.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MemReply {
  type: 'mem';
  rss: number;
  heapUsed: number;
}

/** CPU time the server process has used so far (user + system, all threads), in µs. */
export interface CpuReply {
  type: 'cpu';
  micros: number;
}

/** Group-commit batch sizes written so far: size -> number of batches of that size. */
export interface BatchesReply {
  type: 'batches';
  sizes: Record<string, number>;
}

/** Listen on 127.0.0.1:0 (unless already listening) and serve the bench IPC protocol. */
export async function serveBench(
  server: Server,
  onExit?: () => Promise<void>,
  batchSizes: Record<string, number> = {},
): Promise<void> {
  if (!server.listening) await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  process.on('message', (msg: { type?: string }) => {
    if (msg.type === 'cpu') {
      const u = process.cpuUsage();
      process.send?.({ type: 'cpu', micros: u.user + u.system } satisfies CpuReply);
      return;
    }
    if (msg.type === 'batches') {
      process.send?.({ type: 'batches', sizes: batchSizes } satisfies BatchesReply);
      return;
    }
    if (msg.type !== 'mem') return;
    const gc = (globalThis as { gc?: () => void }).gc;
    // Two passes: the first frees, the second settles what finalizers released.
    gc?.();
    gc?.();
    const m = process.memoryUsage();
    process.send?.({ type: 'mem', rss: m.rss, heapUsed: m.heapUsed } satisfies MemReply);
  });
  process.on('disconnect', () => {
    const done = (code: number) => () => process.exit(code);
    if (!onExit) return done(0)();
    onExit().then(done(0), (err: unknown) => {
      process.stderr.write(`bench server cleanup failed: ${String(err)}\n`);
      done(1)();
    });
  });
  process.send?.({ type: 'ready', port });
}
