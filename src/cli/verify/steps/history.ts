/** messages-history, timestamps: what a reload shows, and whether every time on the wire parses. */
import { paths } from '../../../shared/protocol.ts';
import { HINTS } from '../hints.ts';
import { clip, describeResponse, fail, pass, skip, warn } from '../outcome.ts';
import { classifyTimestamp } from '../timestamps.ts';
import type { StepDef } from '../types.ts';

type Json = Record<string, unknown>;
const nonEmpty = (v: unknown): boolean => (typeof v === 'string' && v.length > 0) || typeof v === 'number';

export const messagesHistory: StepDef = {
  name: 'messages-history',
  title: 'GET /rooms/{id}/messages returns the message with its avatar',
  needs: ['ws-user-joined'],
  async run(ctx) {
    if (!ctx.room || !ctx.sentContent) return skip('no chat message was sent (ws-echo did not run)');
    const res = await ctx.request('GET', `${paths.messages(ctx.room.id)}?limit=100`, { origin: ctx.primaryOrigin });
    if (res.status !== 200 || !Array.isArray(res.json))
      return fail(describeResponse(res), 'HTTP 200 with a JSON array', HINTS.history);
    const items = res.json as unknown[];
    items.forEach((m, i) => ctx.noteTimestamps(`GET messages[${i}]`, m, ['timestamp']));
    const ours = items.find(
      (m): m is Json => Boolean(m) && typeof m === 'object' && (m as Json).content === ctx.sentContent,
    );
    if (!ours)
      return fail(
        `${items.length} message(s), none with the sent content`,
        'the message sent in ws-echo',
        HINTS.history,
      );
    if (!nonEmpty(ours.id)) return fail(`id ${clip(ours.id)}`, 'a string id', HINTS.echoId);
    if (ctx.echo && nonEmpty(ctx.echo.id) && ctx.echo.id !== ours.id) {
      return fail(
        `history id ${String(ours.id)}, echo id ${String(ctx.echo.id)}`,
        'the same id in the echo and in history',
        HINTS.echoId,
      );
    }
    if (!nonEmpty(ours.avatar_url) && !nonEmpty(ours.avatar))
      return fail(`avatar_url ${clip(ours.avatar_url)}`, `avatar_url (joined with ${ctx.avatarUrl})`, HINTS.avatars);
    return pass(`${items.length} message(s), ours with id and avatar`);
  },
};

export const timestamps: StepDef = {
  name: 'timestamps',
  title: 'every timestamp seen parses like the frontend parses it',
  needs: ['reachable'],
  async run(ctx) {
    const seen = ctx.timestamps;
    if (seen.length === 0) return skip('no timestamps were collected');
    const bad = seen.filter((t) => classifyTimestamp(t.value) === 'bad');
    const naive = seen.filter((t) => classifyTimestamp(t.value) === 'naive');
    const examples = (list: typeof seen) =>
      list
        .slice(0, 3)
        .map((t) => `${t.where} = ${JSON.stringify(t.value)}`)
        .join('; ');
    const expected = 'RFC 3339 UTC ending in Z, e.g. 2026-11-25T10:00:00.123Z';
    if (bad.length)
      return fail(`${bad.length} of ${seen.length} unparseable: ${examples(bad)}`, expected, HINTS.timestamps);
    if (naive.length)
      return warn(
        `${naive.length} of ${seen.length} without a zone: ${examples(naive)}`,
        expected,
        HINTS.naiveTimestamps,
      );
    return pass(`${seen.length} timestamps, all UTC with Z`);
  },
};
