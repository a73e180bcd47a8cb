// ESLint flat config: typescript-eslint's strict type-checked rules over everything we ship or run.
// Formatting is Prettier's job (`npm run lint` runs both), so no stylistic rules here.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['node_modules/', 'bench/results/', 'dist/', 'packages/*/dist/'] },
  js.configs.recommended,
  tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['bin/*.js', 'eslint.config.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Numbers and booleans print predictably in a template; objects, unknown and null still do not.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // `(x) => void fn(x)` style callbacks are clearer as `(x) => fn(x)`; other void misuse is still caught.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // Async methods that implement a Promise-returning interface (the memory stores) need no await:
      // `async` is what turns their throws into rejections, as the interface promises.
      '@typescript-eslint/require-await': 'off',
      // noUncheckedIndexedAccess makes every indexed read optional; `x[i]!` after a bounds check is
      // the honest way to say "this index exists", and tsconfig already forces that decision per read.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // ws hands every text frame over as a Buffer (binaryType 'nodebuffer', which we never change),
      // so the ArrayBuffer branch of its RawData type, the one that would print '[object ArrayBuffer]', never occurs.
      '@typescript-eslint/no-base-to-string': [
        'error',
        { ignoredTypeNames: ['Error', 'RegExp', 'URL', 'URLSearchParams', 'ArrayBuffer'] },
      ],
    },
  },
  {
    // Tests and benchmarks read the server's JSON answers as `any` on purpose (tests then check their
    // shape with expect()); a wrong guess there fails the run, so the any-tracking rules only add noise.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      // Tests downcast what a factory returned to the class they know it built.
      '@typescript-eslint/no-unsafe-class-instance-assignment': 'off',
      // `let app: App` then `app?.close()` in afterAll: the hook runs even when setup failed first.
      '@typescript-eslint/no-unnecessary-condition': 'off',
    },
  },
);
