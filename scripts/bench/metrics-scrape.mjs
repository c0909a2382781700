// What the CloudWatch agent beside each Alluxio process fetches once a minute (GET /metrics/prometheus/),
// and the part its scrape configuration keeps. Used by bench-cluster.mjs; prints nothing itself.
import { createRequire } from 'node:module';
import { median } from './stats.mjs';

const require = createRequire(import.meta.url);
const { metricsOf, PROMETHEUS_ENDPOINTS } = require('../../lib/core/alluxio-metrics.js');

/** `targets`: [source ('master' | 'worker'), host] pairs; each endpoint fetched `runs` times. */
export async function scrapeFigures(targets, runs) {
  const rows = [];
  for (const [source, host] of targets) {
    const { port, path } = PROMETHEUS_ENDPOINTS[source];
    const times = [];
    let text = '';
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const response = await fetch(`http://${host}:${port}${path}`, { signal: AbortSignal.timeout(10_000) });
      text = await response.text();
      times.push(performance.now() - t0);
    }
    const kept = new Set(metricsOf(source).map((m) => m.prometheusName));
    const keptLines = text.split('\n').filter((line) => kept.has(line.split(/[ {]/)[0]));
    rows.push({
      source,
      ms: median(times),
      bytes: Buffer.byteLength(text),
      families: text.split('\n').filter((line) => line.startsWith('# TYPE ')).length,
      kept: keptLines.length,
      keptBytes: keptLines.reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0),
    });
  }
  return rows;
}
