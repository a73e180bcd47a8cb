/**
 * The one writer of raw HTTP answers: the ones written straight to a socket because no
 * `ServerResponse` exists (a malformed request in `clientError`, a refused WebSocket upgrade,
 * a connection over the per-address cap). Routes and the request pipeline answer through
 * `respond.ts` instead.
 *
 * Every raw answer closes the connection: the request was not (or not fully) parsed, so the
 * socket cannot be reused for another one.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorBody } from '../../shared/protocol.ts';

/** The bytes of one raw answer: status line, headers, JSON body. `headers` come after the fixed ones. */
export function rawAnswer(status: number, body: ErrorBody, headers: Readonly<Record<string, string>> = {}): string {
  const payload = JSON.stringify(body);
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'Connection: close',
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(payload)}`,
  ];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n${payload}`;
}

/**
 * Write `answer` (from `rawAnswer`) and end the socket. A socket that is already gone or
 * can no longer be written to is destroyed instead: writing to it would only raise an error.
 */
export function writeRawAnswer(socket: Duplex, answer: string): void {
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(answer);
}
