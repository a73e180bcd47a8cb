/**
 * Messages between the load orchestrator and its workers (child processes over IPC, or
 * the same objects in-process). Everything here is plain JSON: histograms travel encoded.
 */
import type { Counts } from '../stats/counts.ts';

/** One simulated user: a WebSocket client in one room. */
export interface ClientSpec {
  /** Global client number; also the sender number inside `client_msg_id`. */
  index: number;
  userId: string;
  roomId: string;
  /** The account's token (`--accounts`): sent as `?token=` on the socket and as Bearer on REST writes. */
  token?: string;
}

export interface WorkerInit {
  type: 'init';
  /** ws:// or wss:// base (no trailing slash). */
  wsBase: string;
  /** Origin header for the upgrade; null sends none. */
  origin: string | null;
  /** Extra upgrade headers (`--header`). */
  headers: Record<string, string>;
  clients: ClientSpec[];
  /** Connections are spread evenly over this many ms. */
  rampMs: number;
  connectTimeoutMs: number;
  /** Hex tag that marks this run's `client_msg_id`s. */
  run: string;
  /** Chat content length in characters. */
  messageChars: number;
}

export interface WorkerStart {
  type: 'start';
  /** Wall-clock time (wallMs) at which every worker begins sending. */
  startAtMs: number;
  durationMs: number;
  /** This worker's share of the total open-loop rate (messages/s); ignored when inflight > 0. */
  ratePerS: number;
  /** Closed loop: each client keeps this many messages un-echoed in flight. 0 = open loop. */
  inflight: number;
}

/** Parent -> worker after everyone has sent: how many distinct deliveries this worker should see. */
export interface WorkerExpect {
  type: 'expect';
  deliveries: number;
  drainMs: number;
}

export type ToWorker = WorkerInit | WorkerStart | WorkerExpect;

export interface WorkerConnected {
  type: 'connected';
  /** Indexes of the clients that are open and registered (own user_joined seen). */
  connected: number[];
  connectHist: string;
  failures: Counts;
}

export interface WorkerProgress {
  type: 'progress';
  sent: number;
  delivered: number;
  errors: number;
  /** Delivery latency recorded since the last progress message (encoded histogram). */
  hist: string;
}

export interface WorkerSent {
  type: 'sent';
  /** Sender index -> messages written to the socket. */
  sentBySender: Record<string, number>;
  /** Actual length of this worker's send window, ms. */
  windowMs: number;
}

export interface WorkerResult {
  type: 'result';
  latencyHist: string;
  /** Sender index -> [delivered, duplicated, outOfOrder] as seen by this worker's receivers. */
  delivery: Record<string, [number, number, number]>;
  errors: Counts;
  /** Distinct deliveries seen, and when the last one arrived (ms after start). */
  delivered: number;
  lastArrivalMs: number;
}

export interface WorkerFailed {
  type: 'failed';
  message: string;
}

export type FromWorker = WorkerConnected | WorkerProgress | WorkerSent | WorkerResult | WorkerFailed;
