/** Messages from the load workers, kept until the orchestrator asks for one of each type from every worker. */
import type { WorkerHandle } from './pool.ts';
import type { FromWorker } from './protocol.ts';

export class Inbox {
  private readonly byWorker = new Map<WorkerHandle, FromWorker[]>();
  private readonly wake = new Set<() => void>();

  /** File a message from `h` and wake whoever waits. */
  push(h: WorkerHandle, msg: FromWorker): void {
    const list = this.byWorker.get(h) ?? [];
    list.push(msg);
    this.byWorker.set(h, list);
    for (const w of [...this.wake]) {
      this.wake.delete(w);
      w();
    }
  }

  /** One message of `type` from every handle; rejects as soon as any worker failed. */
  collect<T extends FromWorker['type']>(
    handles: WorkerHandle[],
    type: T,
  ): Promise<Array<Extract<FromWorker, { type: T }>>> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const failed = [...this.byWorker.values()].flat().find((m) => m.type === 'failed');
        if (failed?.type === 'failed') {
          reject(new Error(failed.message));
          return;
        }
        const got = handles.map((h) => this.byWorker.get(h)?.find((m) => m.type === type));
        if (!got.every(Boolean)) return void this.wake.add(check);
        for (const h of handles)
          this.byWorker.set(
            h,
            (this.byWorker.get(h) ?? []).filter((m) => m.type !== type),
          );
        resolve(got as Array<Extract<FromWorker, { type: T }>>);
      };
      check();
    });
  }
}
