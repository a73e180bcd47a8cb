/**
 * Turn the step list into this run's plan: apply --only (plus what those steps need),
 * mark --skip, expand per-origin steps, and resolve `needs` to concrete step ids.
 */
import { ACCOUNT_STEP_NAMES, ALL_STEP_NAMES, type StepDef, type StepName } from './types.ts';

/** One step instance to run. */
export interface PlannedStep {
  def: StepDef;
  /** `name`, or `name[origin]` for a per-origin step when several origins are checked. */
  id: string;
  /** The origin a per-origin step checks; null for the others. */
  origin: string | null;
  /** The origin passed to run (the first origin for non per-origin steps). */
  runOrigin: string;
  /** Ids of the planned steps whose FAIL/SKIP makes this one SKIP. */
  needs: string[];
  /** Named in --skip. */
  skippedByUser: boolean;
}

/** Names given to --only/--skip that are not steps. */
export function unknownStepNames(names: readonly string[]): string[] {
  return names.filter((n) => !(ALL_STEP_NAMES as readonly string[]).includes(n));
}

/** Names given to --only/--skip that belong to the `--account` group. */
export function accountStepNames(names: readonly string[]): string[] {
  return names.filter((n) => (ACCOUNT_STEP_NAMES as readonly string[]).includes(n));
}

/** `names` plus everything they need, transitively. */
function withNeeds(steps: readonly StepDef[], names: readonly string[]): Set<StepName> {
  const byName = new Map(steps.map((s) => [s.name, s]));
  const out = new Set<StepName>();
  const visit = (name: StepName) => {
    if (out.has(name)) return;
    out.add(name);
    for (const need of byName.get(name)?.needs ?? []) visit(need);
  };
  for (const n of names) visit(n as StepName);
  return out;
}

/** Build the ordered plan. `origins` must be non-empty; the first drives the chat steps. */
export function planSteps(
  steps: readonly StepDef[],
  origins: readonly string[],
  only: readonly string[] = [],
  skip: readonly string[] = [],
): PlannedStep[] {
  const primary = origins[0] as string;
  const selected = only.length ? withNeeds(steps, only) : new Set(steps.map((s) => s.name));
  const perOrigin = new Set(steps.filter((s) => s.perOrigin).map((s) => s.name));
  const idFor = (name: StepName, origin: string | null) =>
    origin !== null && origins.length > 1 ? `${name}[${origin}]` : name;
  const plan: PlannedStep[] = [];
  for (const def of steps) {
    if (!selected.has(def.name)) continue;
    for (const origin of def.perOrigin ? origins : [null]) {
      const needs = def.needs
        .filter((n) => selected.has(n))
        .map((n) => idFor(n, perOrigin.has(n) ? (def.perOrigin ? origin : primary) : null));
      plan.push({
        def,
        id: idFor(def.name, origin),
        origin,
        runOrigin: origin ?? primary,
        needs,
        skippedByUser: skip.includes(def.name),
      });
    }
  }
  return plan;
}
