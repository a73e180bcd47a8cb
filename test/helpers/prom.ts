/**
 * Prometheus text parsed by a real, independent parser: the Python client's
 * (`python3-prometheus-client` in Debian; `.ci/run` installs it when missing).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Debian's interpreter: the apt package installs the parser for it, not for a pyenv python. */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const SCRIPT = `
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        out.append({"name": s.name, "labels": s.labels, "value": s.value if s.value == s.value else None})
json.dump(out, sys.stdout)
`;

/** Every sample in `text`; rejects with the parser's own error for text it does not accept. */
export function parseExposition(text: string): Promise<Sample[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(PYTHON, ['-c', SCRIPT], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const missing = /No module named .prometheus_client/.test(stderr);
        reject(
          new Error(
            missing
              ? 'The Prometheus text parser is missing: apt-get install python3-prometheus-client (.ci/run does this)'
              : `parser failed: ${stderr || err.message}`,
          ),
        );
        return;
      }
      resolve(JSON.parse(stdout) as Sample[]);
    });
    child.stdin?.end(text);
  });
}

/** The value of the sample `name` whose labels include `labels`; 0 when there is none (a counter not yet touched). */
export function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1)
    throw new Error(`${found.length} samples match ${name} ${JSON.stringify(labels)}: give more labels`);
  return found[0]?.value ?? 0;
}
