/** Argument parsing of `vchat verify` with commander's exitOverride: usage errors are exit 2 with a clear message. */
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram, runCli } from '../../src/cli/program.ts';
import { captureIo } from '../helpers/io.ts';

const ORIGIN = ['--origin', 'http://localhost:3000'];

describe('vchat verify arguments', () => {
  it('a bad --api URL throws a CommanderError with a clear message and exits 2', async () => {
    const io = captureIo();
    const program = buildProgram(io);
    const err = await program
      .parseAsync(['verify', '--api', 'localhost:8000', ...ORIGIN], { from: 'user' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommanderError);
    expect(io.err()).toMatch(
      /option '--api <url>' argument 'localhost:8000' is invalid\. "localhost:8000" is not an http\(s\) URL \(e\.g\. https:\/\//,
    );
    expect(await runCli(['verify', '--api', 'not a url', ...ORIGIN], captureIo())).toBe(2);
  });

  it.each([
    [['verify', ...ORIGIN], /--api <url> is required \(or set VCHAT_API\)/],
    [['verify', '--api', 'http://localhost:8000'], /--origin <url> is required/],
    [
      ['verify', '--api', 'http://localhost:8000', '--origin', 'https://app.vercel.app/chat'],
      /has a path; an origin is only scheme:\/\/host\[:port\]/,
    ],
    [['verify', '--api', 'http://localhost:8000', ...ORIGIN, '--ws', 'http://x'], /is not a ws:\/\/ or wss:\/\/ URL/],
    [['verify', '--api', 'http://localhost:8000', ...ORIGIN, '--timeout', 'soon'], /not a number of milliseconds/],
    [
      ['verify', '--api', 'http://localhost:8000', ...ORIGIN, '--only', 'ws-echo,cors'],
      /unknown step "cors"; steps are: reachable, health/,
    ],
    [['verify', '--api', 'http://localhost:8000', ...ORIGIN, '--bogus'], /unknown option '--bogus'/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ])('%j -> exit 2', async (args, message) => {
    const io = captureIo();
    expect(await runCli(args, io)).toBe(2);
    expect(io.err()).toMatch(message);
    expect(io.out()).toBe('');
  });

  it('--help and --version exit 0 and print to stdout', async () => {
    const help = captureIo();
    expect(await runCli(['verify', '--help'], help)).toBe(0);
    expect(help.out()).toMatch(/--origin <url>/);
    expect(help.out()).toMatch(/Exit codes: 0 all passed/);
    const top = captureIo();
    expect(await runCli(['--help'], top)).toBe(0);
    expect(top.out()).toMatch(/verify \[options\]/);
    const version = captureIo();
    expect(await runCli(['--version'], version)).toBe(0);
    expect(version.out()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('normalises URLs and collects repeated or comma-separated origins', async () => {
    const io = captureIo();
    const program = buildProgram(io);
    const verify = program.commands.find((c) => c.name() === 'verify');
    if (!verify) throw new Error('no verify command');
    verify.action(() => {}); // parse only
    await program.parseAsync(
      [
        'verify',
        '--api',
        'https://api.example.com/',
        '--origin',
        'https://A.vercel.app/',
        '--origin',
        'http://localhost:3000,http://localhost:3001',
      ],
      { from: 'user' },
    );
    expect(verify.opts()).toMatchObject({
      api: 'https://api.example.com',
      origin: ['https://a.vercel.app', 'http://localhost:3000', 'http://localhost:3001'],
      timeout: 10_000,
      badOrigin: 'https://evil.example',
    });
  });
});
