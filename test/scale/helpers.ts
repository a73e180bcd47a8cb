/** Scale-out test helpers: a cuttable TCP proxy in front of Redis, polling, child servers. */
import { randomBytes } from 'node:crypto';
import { tcpProxy, waitUntil, type TcpProxy } from '../helpers/tcp-proxy.ts';

export const REDIS_URL = process.env.VCHAT_TEST_REDIS_URL;
export const DATABASE_URL = process.env.VCHAT_TEST_DATABASE_URL;

/** A fresh key/channel namespace, so runs sharing one Redis never see each other. */
export function uniquePrefix(): string {
  return `vchat-test-${randomBytes(4).toString('hex')}`;
}

export interface Proxy extends TcpProxy {
  /** redis://127.0.0.1:<proxy port> */
  url: string;
}

/** A cuttable, freezable TCP proxy in front of the Redis at `target` (redis://host:port). */
export async function redisProxy(target: string): Promise<Proxy> {
  const { hostname, port } = new URL(target);
  const proxy = await tcpProxy(hostname, Number(port));
  return { ...proxy, url: `redis://127.0.0.1:${proxy.port}` };
}

export { waitUntil };

/** A real server process (shared with the other process-level tests). */
export { spawnServer, type ServerProcess as Child } from '../helpers/process.ts';
