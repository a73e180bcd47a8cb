/** Pure parts of verify: the plan (per-origin ids, needs, --only/--skip) and timestamp classes. */
import { describe, expect, it } from 'vitest';
import { planSteps, unknownStepNames } from '../../src/cli/verify/plan.ts';
import { STEPS } from '../../src/cli/verify/steps/index.ts';
import { classifyTimestamp } from '../../src/cli/verify/timestamps.ts';
import { STEP_NAMES } from '../../src/cli/verify/types.ts';

const A = 'https://a.example';
const B = 'https://b.example';

describe('planSteps', () => {
  it('keeps STEP_NAMES order and plain ids with one origin', () => {
    const plan = planSteps(STEPS, [A]);
    expect(plan.map((p) => p.id)).toEqual([...STEP_NAMES]);
    expect(plan.find((p) => p.id === 'cors-health')).toMatchObject({ origin: A, runOrigin: A });
    expect(plan.find((p) => p.id === 'create-user')).toMatchObject({ origin: null, runOrigin: A });
  });

  it('expands per-origin steps and resolves needs to the same origin, or the first for shared steps', () => {
    const plan = planSteps(STEPS, [A, B]);
    const ids = plan.map((p) => p.id);
    expect(ids).toContain(`ws-connect[${B}]`);
    expect(ids).not.toContain('ws-connect');
    expect(plan.find((p) => p.id === 'ws-user-joined')?.needs).toEqual([`ws-connect[${A}]`]);
    expect(plan.find((p) => p.id === `ws-connect[${B}]`)).toMatchObject({
      origin: B,
      runOrigin: B,
      needs: ['join-room'],
    });
  });

  it('--only adds what the step needs; --skip marks the step', () => {
    expect(planSteps(STEPS, [A], ['list-rooms']).map((p) => p.id)).toEqual(['reachable', 'create-room', 'list-rooms']);
    expect(planSteps(STEPS, [A], [], ['health']).find((p) => p.id === 'health')?.skippedByUser).toBe(true);
    expect(unknownStepNames(['ws-echo', 'nope'])).toEqual(['nope']);
  });

  it('every need names an earlier step', () => {
    STEPS.forEach((s, i) => {
      for (const need of s.needs)
        expect(
          STEPS.slice(0, i).map((x) => x.name),
          `${s.name} needs ${need}`,
        ).toContain(need);
    });
  });
});

describe('classifyTimestamp (as the frontend parses)', () => {
  it.each([
    ['2026-11-25T10:00:00.123Z', 'ok'],
    ['2026-11-25T10:00:00Z', 'ok'],
    ['2026-11-25T10:00:00.123456', 'naive'],
    ['2026-11-25T10:00:00.123456+00:00', 'bad'],
    ['2026-11-25T10:00:00.123+00:00Z', 'bad'],
    [1764064800000, 'bad'],
    ['yesterday', 'bad'],
  ])('%j -> %s', (value, expected) => {
    expect(classifyTimestamp(value)).toBe(expected);
  });
});
