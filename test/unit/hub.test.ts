import { describe, expect, it } from 'vitest';
import { Hub, type Peer, type SendResult } from '../../src/server/ws/hub.ts';

function peer(roomId: string, userId: string, opts: { slow?: boolean; closed?: boolean; onSend?: () => void } = {}) {
  const p = {
    roomId,
    userId,
    got: [] as string[],
    dropped: 0,
    send(data: Buffer | string): SendResult {
      opts.onSend?.();
      if (opts.slow) return 'slow';
      if (opts.closed) return 'closed';
      p.got.push(String(data));
      return 'queued';
    },
    dropSlow() {
      p.dropped++;
    },
  };
  return p satisfies Peer;
}

describe('Hub', () => {
  it('tracks presence per user: first socket joins, last socket leaves', () => {
    const hub = new Hub();
    const a1 = peer('r', 'a');
    const a2 = peer('r', 'a');
    expect(hub.add(a1)).toEqual({ first: true });
    expect(hub.add(a2)).toEqual({ first: false });
    expect(hub.online('r')).toBe(1);
    expect(hub.activeConnections).toBe(2);
    expect(hub.remove(a1)).toEqual({ last: false });
    expect(hub.remove(a2)).toEqual({ last: true });
    expect(hub.online('r')).toBe(0);
    expect(hub.activeRooms).toBe(0);
    expect(hub.remove(a2)).toEqual({ last: false });
  });

  it('broadcast encodes once and skips the excepted user', () => {
    const hub = new Hub();
    const a = peer('r', 'a');
    const b = peer('r', 'b');
    const other = peer('x', 'c');
    [a, b, other].forEach((p) => hub.add(p));
    const n = hub.broadcast('r', { type: 'pong' }, 'a');
    expect(n).toBe(1);
    expect(a.got).toEqual([]);
    expect(b.got).toEqual(['{"type":"pong"}']);
    expect(other.got).toEqual([]);
  });

  it('delivers to pending (still being set up) sockets of the room only while they are pending', () => {
    const hub = new Hub();
    const member = peer('r', 'a');
    const setup = peer('r', 'b');
    const elsewhere = peer('x', 'c');
    hub.add(member);
    hub.addPending(setup);
    hub.addPending(setup); // twice: still one pending socket
    hub.addPending(elsewhere);
    expect(hub.broadcast('r', { type: 'pong' })).toBe(2);
    hub.removePending(setup);
    hub.removePending(setup); // twice: harmless
    expect(hub.broadcast('r', { type: 'pong' })).toBe(1);
    hub.removePending(elsewhere);
    expect(hub.broadcast('x', { type: 'pong' })).toBe(0);
    hub.addPending(setup);
    expect(hub.broadcast('r', { type: 'pong' })).toBe(2);
    expect(setup.got).toHaveLength(2);
    expect(member.got).toHaveLength(3);
    expect(elsewhere.got).toHaveLength(0);
  });

  it('drops slow peers after the loop, even when dropping removes them from the room', () => {
    const hub = new Hub();
    const slow = peer('r', 's', { slow: true });
    slow.dropSlow = () => {
      slow.dropped++;
      hub.remove(slow);
    };
    const fast = peer('r', 'f');
    hub.add(slow);
    hub.add(fast);
    expect(hub.broadcast('r', { type: 'pong' })).toBe(1);
    expect(slow.dropped).toBe(1);
    expect(fast.got).toHaveLength(1);
    expect(hub.activeConnections).toBe(1);
  });

  it('a peer whose socket is already closed is not dropped as slow', () => {
    const hub = new Hub();
    const gone = peer('r', 'g', { closed: true });
    hub.add(gone);
    hub.broadcast('r', { type: 'pong' });
    expect(gone.dropped).toBe(0);
    expect(gone.got).toHaveLength(0);
    expect(hub.activeConnections).toBe(1);
  });

  it('counts as delivered (vchat_deliveries_total) only the frames queued: not a closed or a slow peer', () => {
    const hub = new Hub();
    const live = peer('r', 'a');
    hub.add(live);
    hub.add(peer('r', 'g', { closed: true }));
    hub.add(peer('r', 's', { slow: true }));
    expect(hub.broadcast('r', { type: 'pong' })).toBe(1);
    expect(hub.deliveries).toBe(1);
    expect(live.got).toHaveLength(1);
  });
});
