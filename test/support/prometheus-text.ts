import * as http from 'node:http';

/** One metric family of a Prometheus text exposition: its HELP text, TYPE and the names of its samples. */
export interface PrometheusFamily {
  readonly help?: string;
  readonly type?: string;
  readonly samples: Map<string, number>;
}

/**
 * Reads the Prometheus text format (version 0.0.4) as far as a test needs: `# HELP`, `# TYPE` and
 * sample lines, keyed by family name; a sample's name is its metric name without labels (summaries
 * add `_count` and `_sum` samples under their own names).
 */
export function parsePrometheusText(text: string): Map<string, PrometheusFamily> {
  const families = new Map<string, { help?: string; type?: string; samples: Map<string, number> }>();
  const family = (name: string) => {
    let entry = families.get(name);
    if (!entry) families.set(name, (entry = { samples: new Map() }));
    return entry;
  };
  for (const line of text.split('\n')) {
    const comment = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (comment) {
      if (comment[1] === 'HELP') family(comment[2]).help = comment[3];
      else family(comment[2]).type = comment[3];
      continue;
    }
    const sample = /^([A-Za-z_:][A-Za-z0-9_:]*)(\{[^}]*\})? (\S+)/.exec(line);
    if (!sample) continue;
    family(sample[1]).samples.set(sample[1] + (sample[2] ?? ''), Number(sample[3]));
  }
  return families;
}

/** The names a scraper sees as metric names: every sample's name without labels. */
export function sampleNames(families: Map<string, PrometheusFamily>): Set<string> {
  const names = new Set<string>();
  for (const entry of families.values()) for (const sample of entry.samples.keys()) names.add(sample.replace(/\{.*$/, ''));
  return names;
}

/** GET http://host:port/path as text, bounded; rejects on anything but 200. */
export function fetchText(host: string, port: number, path: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host, port, path, timeout: timeoutMs }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      response.on('end', () =>
        response.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${host}:${port}${path} answered HTTP ${response.statusCode}`)),
      );
    });
    request.on('timeout', () => request.destroy(new Error(`no answer from ${host}:${port}${path} within ${timeoutMs} ms`)));
    request.on('error', reject);
  });
}
