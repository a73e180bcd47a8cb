/**
 * Ends the run with what a reader needs: every skipped test by full name (skipped tests here
 * need a service this machine lacks, e.g. MongoDB, and their names carry the reason), then one
 * plain closing line `tests: N passed, N failed, N skipped` for CI logs.
 */
import type { Reporter, TestModule } from 'vitest/node';

export default class ClosingReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const skipped: string[] = [];
    let passed = 0;
    let failed = 0;
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else if (state === 'skipped')
          skipped.push(`${mod.moduleId.replace(`${process.cwd()}/`, '')} > ${test.fullName}`);
      }
    }
    const lines = skipped.length
      ? [`Skipped (${skipped.length}), with the reason:`, ...skipped.map((s) => `  SKIPPED ${s}`), '']
      : [];
    lines.push(`tests: ${passed} passed, ${failed} failed, ${skipped.length} skipped`);
    process.stdout.write(`\n${lines.join('\n')}\n`);
  }
}
