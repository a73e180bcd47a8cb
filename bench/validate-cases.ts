/**
 * Inputs for `npm run bench:validate`: the hot-path shapes (a WebSocket chat frame as text,
 * a `POST /rooms/{id}/messages` body and a join body, already parsed as the router hands them
 * over), valid and invalid. Every implementation must give the same answer on each.
 */
export type Kind = 'frame' | 'post' | 'join';

export interface Case {
  name: string;
  kind: Kind;
  /** JSON text for frames, a parsed object for bodies. */
  input: string | Record<string, unknown>;
  valid: boolean;
}

const longLines = 'a line of chat text, with an emoji 😀\r\n'.repeat(100);

export const CASES: Case[] = [
  {
    name: 'frame ok, short',
    kind: 'frame',
    input: JSON.stringify({ type: 'message', content: 'hello there, how is everyone?', client_msg_id: 'c-123' }),
    valid: true,
  },
  {
    name: 'frame ok, 3.9 KB with CRLF',
    kind: 'frame',
    input: JSON.stringify({ content: longLines, client_msg_id: 42 }),
    valid: true,
  },
  { name: 'frame bad, blank content', kind: 'frame', input: JSON.stringify({ content: '   ' }), valid: false },
  {
    name: 'frame bad, client_msg_id object',
    kind: 'frame',
    input: JSON.stringify({ content: 'hi', client_msg_id: { a: 1 } }),
    valid: false,
  },
  { name: 'post ok, minimal', kind: 'post', input: { user_id: 'u-1', content: 'hello' }, valid: true },
  {
    name: 'post ok, all fields',
    kind: 'post',
    input: {
      user_id: 'u-1',
      content: '  hello, room  ',
      username: ' Alice ',
      avatar_url: 'https://cdn.example.com/a/alice.png',
      client_msg_id: 'm-0001',
    },
    valid: true,
  },
  {
    name: 'post ok, bad extras dropped',
    kind: 'post',
    input: { user_id: 'u-1', content: 'hi', username: 'x'.repeat(80), avatar_url: 'data:image/png;base64,AAAA' },
    valid: true,
  },
  {
    name: 'post bad, no user, too long',
    kind: 'post',
    input: { content: 'x'.repeat(5001), client_msg_id: '' },
    valid: false,
  },
  {
    name: 'join ok',
    kind: 'join',
    input: { user_id: 'u-1', username: 'Alice', avatar_url: 'https://cdn.example.com/a/alice.png' },
    valid: true,
  },
  { name: 'join ok, minimal', kind: 'join', input: { user_id: 'u-1' }, valid: true },
  { name: 'join bad, NUL in name', kind: 'join', input: { user_id: 7, username: 'a\u0000b' }, valid: false },
];
