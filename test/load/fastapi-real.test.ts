/**
 * `vchat load` and `vchat soak` against the real FastAPI app of the seed (bench/fastapi_app.py
 * under Debian's uvicorn): 200 on creation, no client_msg_id echo (echoes matched by the content
 * nonce), no ping (a socket is ready on its own user_joined). Skips, saying why, only where the
 * Debian packages are missing; .ci/run installs them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fastApiMissing, startFastApi, type FastApiServer } from '../../bench/fastapi-server.ts';
import { loadAction } from '../../src/cli/load/command.ts';
import type { LoadResult } from '../../src/cli/load/result.ts';
import { soakAction } from '../../src/cli/soak/command.ts';
import type { SoakResult } from '../../src/cli/soak/result.ts';
import { captureIo } from '../helpers/io.ts';
import { ORIGIN } from '../helpers/server.ts';

const missing = fastApiMissing();
const reason = missing ? ` (SKIPPED: ${missing})` : '';
let api: FastApiServer | undefined;
beforeAll(async () => {
  if (!missing) api = await startFastApi([ORIGIN]);
}, 30_000);
afterAll(() => api?.close());

describe('the seed FastAPI app under uvicorn', () => {
  // Its broadcast loop races sockets that open or close meanwhile (see the soak test below), so a
  // connect can fail with 1006: the accounting must hold whatever the seed drops.
  it.skipIf(Boolean(missing))(
    `vchat load: deliveries matched by their content nonce, every one accounted for${reason}`,
    async () => {
      const io = captureIo();
      const code = await loadAction(
        {
          api: (api as FastApiServer).url,
          origin: ORIGIN,
          clients: '12',
          rooms: '3',
          ramp: '500ms',
          rate: '24',
          duration: '2s',
          httpRate: '6',
          workers: '0',
          json: true,
        },
        io,
      );
      const r = JSON.parse(io.out()) as LoadResult;
      expect(r.connect.attempted).toBe(12);
      expect(r.connect.connected).toBeGreaterThan(6);
      expect(r.messages.sent).toBeGreaterThan(0);
      expect(r.messages.delivered).toBeGreaterThan(0);
      expect(r.messages.delivered + r.messages.lost).toBe(r.messages.expected);
      expect(r.messages.duplicated).toBe(0);
      expect(Object.keys(r.rest?.statuses ?? {})).toEqual(['200']);
      expect(code).toBe(r.exit_code);
    },
    60_000,
  );

  // The seed's broadcast loop iterates the room's set while other handlers remove closed sockets
  // from it ("Set changed size during iteration"): a reconnect can drop a neighbour with 1006.
  // The soak reports that (closed_1006, reconnect failures) rather than the test assuming it away.
  it.skipIf(Boolean(missing))(
    `vchat soak: intervals, deliveries and /health sampled; no memory figures there${reason}`,
    async () => {
      const io = captureIo();
      const code = await soakAction(
        {
          api: (api as FastApiServer).url,
          origin: ORIGIN,
          clients: '4',
          rooms: '1',
          rate: '8',
          duration: '2s',
          interval: '1s',
          drain: '300ms',
          reconnect: '1',
          maxP99Growth: '60000ms',
          json: true,
        },
        io,
      );
      const r = JSON.parse(io.out()) as SoakResult;
      expect(r.intervals).toHaveLength(2);
      expect(r.totals.sent).toBeGreaterThan(0);
      expect(r.totals.delivered).toBeGreaterThan(0);
      expect(r.totals.delivered + r.totals.lost).toBe(r.totals.expected);
      for (const x of r.intervals) expect(x.health).toMatchObject({ ok: true, status: 200, rss_bytes: null });
      expect(r.sanity.every((c) => c.ok)).toBe(true);
      expect(code).toBe(r.exit_code);
    },
    60_000,
  );
});
