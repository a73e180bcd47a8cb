/** Colours for the human renderer: on only for interactive terminals (no chalk: util.styleText). */
import { styleText } from 'node:util';
import type { Verdict } from '../verify/types.ts';

/** A text painter; identity when colour is off. */
export type Paint = (format: Parameters<typeof styleText>[0], text: string) => string;

/** A painter that colours only when `enabled`. */
export function painter(enabled: boolean): Paint {
  return enabled ? (format, text) => styleText(format, text) : (_format, text) => text;
}

const VERDICT_STYLE: Record<Verdict, Parameters<typeof styleText>[0]> = {
  PASS: 'green',
  FAIL: ['red', 'bold'],
  WARN: 'yellow',
  SKIP: 'gray',
};

/** The verdict word, padded to 4 and coloured. */
export function verdictLabel(verdict: Verdict, paint: Paint): string {
  return paint(VERDICT_STYLE[verdict], verdict);
}
