#!/usr/bin/env node
// Shim for `npx vchat`: register tsx's ESM loader, then run the TypeScript entry point.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
