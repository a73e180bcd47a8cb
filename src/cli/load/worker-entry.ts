/** Child-process entry for `vchat load --workers N`: one LoadWorker driven over IPC. */
import { LoadWorker } from './worker.ts';
import type { FromWorker, ToWorker } from './protocol.ts';

const send = (msg: FromWorker): void => {
  if (process.connected) process.send?.(msg);
};
const worker = new LoadWorker(send);
process.on('message', (msg) => worker.handle(msg as ToWorker));
// The parent went away (finished, or was killed): stop, whatever is in flight.
process.on('disconnect', () => process.exit(0));
