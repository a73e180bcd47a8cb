/**
 * Worker handles: a forked child process (`node --import tsx worker-entry.ts` from source,
 * `node worker-entry.js` next to the bundle of the installed package) or a
 * LoadWorker in this process. Both speak the same messages, so the orchestrator never
 * knows which it has.
 */
import { fork, type ChildProcess, type StdioOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromWorker, ToWorker } from './protocol.ts';
import { LoadWorker } from './worker.ts';

export interface WorkerHandle {
  send(msg: ToWorker): void;
  /** Every message from the worker; a crash arrives as `{type:'failed'}`. */
  onMessage(fn: (msg: FromWorker) => void): void;
  /** Stop the worker (kill the child); safe to call twice. */
  close(): void;
}

/** Running from source (tsx), or from the package's bundle, whose worker entry is a sibling file. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const ENTRY = fileURLToPath(new URL(FROM_SOURCE ? './worker-entry.ts' : './worker-entry.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Fork one worker child. It inherits stderr (crash traces) and nothing else. */
export function forkWorker(): WorkerHandle {
  const stdio: StdioOptions = ['ignore', 'ignore', 'inherit', 'ipc'];
  const child: ChildProcess = fork(
    ENTRY,
    [],
    FROM_SOURCE ? { cwd: ROOT, execArgv: ['--import', 'tsx'], stdio } : { execArgv: [], stdio },
  );
  let listener: (msg: FromWorker) => void = () => undefined;
  let closed = false;
  child.on('message', (msg) => listener(msg as FromWorker));
  child.on('exit', (code, signal) => {
    if (!closed) listener({ type: 'failed', message: `worker exited early (${signal ?? `code ${code}`})` });
  });
  child.on('error', (err) => listener({ type: 'failed', message: `worker: ${err.message}` }));
  return {
    send: (msg) => {
      if (child.connected) child.send(msg);
    },
    onMessage: (fn) => {
      listener = fn;
    },
    close: () => {
      if (closed) return;
      closed = true;
      if (child.connected) child.disconnect();
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
    },
  };
}

/** A worker in this process (`--workers 0`, tests, soak). Messages are delivered asynchronously like IPC. */
export function inProcessWorker(): WorkerHandle {
  let listener: (msg: FromWorker) => void = () => undefined;
  const worker = new LoadWorker((msg) => setImmediate(() => listener(msg)));
  return {
    send: (msg) => setImmediate(() => worker.handle(msg)),
    onMessage: (fn) => {
      listener = fn;
    },
    close: () => undefined,
  };
}
