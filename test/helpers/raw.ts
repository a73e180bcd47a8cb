/** Raw TCP for tests that must misbehave below HTTP: garbage, half requests, slow headers. */
import { connect, type Socket } from 'node:net';

export interface RawConn {
  socket: Socket;
  /** Everything received so far, as latin1 text. */
  received(): string;
  write(data: string | Buffer): Promise<void>;
  /** Resolves when the server closes (or resets) the connection, with what it sent. */
  closed: Promise<{ data: string; hadError: boolean; atMs: number }>;
  /** Resolves with the received text once `pred` holds (or rejects after `timeoutMs`). */
  until(pred: (text: string) => boolean, timeoutMs?: number): Promise<string>;
}

/** `localAddress`: the source address (127.0.0.x), when a test plays several clients. */
export function rawConnect(port: number, host = '127.0.0.1', localAddress?: string): Promise<RawConn> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host, ...(localAddress ? { localAddress } : {}) });
    let data = '';
    const checks = new Set<() => void>();
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString('latin1');
      for (const check of [...checks]) check();
    });
    const closed = new Promise<{ data: string; hadError: boolean; atMs: number }>((res) => {
      socket.on('close', (hadError) => {
        res({ data, hadError, atMs: performance.now() });
        for (const check of [...checks]) check();
      });
    });
    socket.on('error', () => {
      /* a reset is an answer too; `closed` reports it */
    });
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve({
        socket,
        received: () => data,
        write: (chunk) =>
          new Promise((res, rej) => {
            if (socket.destroyed) {
              rej(new Error('socket already closed'));
              return;
            }
            socket.write(chunk, (err) => (err ? rej(err) : res()));
          }),
        closed,
        until(pred, timeoutMs = 5000) {
          return new Promise((res, rej) => {
            const timer = setTimeout(() => {
              checks.delete(check);
              rej(
                new Error(`raw: condition not met within ${timeoutMs} ms; got ${JSON.stringify(data.slice(0, 300))}`),
              );
            }, timeoutMs);
            const check = (): void => {
              if (pred(data) || socket.destroyed) {
                clearTimeout(timer);
                checks.delete(check);
                if (pred(data)) res(data);
                else rej(new Error(`raw: closed before condition; got ${JSON.stringify(data.slice(0, 300))}`));
              }
            };
            checks.add(check);
            check();
          });
        },
      });
    });
    socket.once('error', reject);
  });
}

/** Status code of the first HTTP response in `text`, or null. */
export function statusOf(text: string): number | null {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
  return m ? Number(m[1]) : null;
}

/** The JSON body of a single raw response (after the blank line). */
export function bodyOf(text: string): any {
  const at = text.indexOf('\r\n\r\n');
  return at < 0 ? undefined : JSON.parse(text.slice(at + 4));
}
