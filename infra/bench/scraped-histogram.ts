// A Prometheus histogram read back from a /metrics text exposition, so a bench can take the difference between two
// scrapes (what one phase added) and read its quantiles at bucket resolution.

export interface ScrapedHistogram {
  /** Upper bounds, ascending, the last one `Infinity` (`le="+Inf"`). */
  bounds: number[];
  /** Cumulative counts per bound. */
  cumulative: number[];
  sum: number;
  count: number;
}

/** The histogram `name` in `text`; throws when the exposition does not have it (a renamed metric, a wrong URL). */
export function scrapeHistogram(text: string, name: string): ScrapedHistogram {
  const buckets: [number, number][] = [];
  let sum: number | undefined;
  let count: number | undefined;
  const bucketLine = new RegExp(`^${name}_bucket\\{[^}]*le="([^"]+)"\\} (\\S+)$`);
  for (const line of text.split('\n')) {
    const bucket = bucketLine.exec(line);
    if (bucket) buckets.push([bucket[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(bucket[1]), Number(bucket[2])]);
    else if (line.startsWith(`${name}_sum`)) sum = Number(line.split(' ').at(-1));
    else if (line.startsWith(`${name}_count`)) count = Number(line.split(' ').at(-1));
  }
  if (buckets.length === 0 || sum === undefined || count === undefined) throw new Error(`no histogram ${name}`);
  buckets.sort((a, b) => a[0] - b[0]);
  return { bounds: buckets.map(([bound]) => bound), cumulative: buckets.map(([, n]) => n), sum, count };
}

/** What was observed between two scrapes of the same histogram. */
export function histogramDelta(after: ScrapedHistogram, before: ScrapedHistogram): ScrapedHistogram {
  if (after.bounds.join() !== before.bounds.join()) throw new Error('histogram buckets changed between scrapes');
  return {
    bounds: after.bounds,
    cumulative: after.cumulative.map((n, index) => n - (before.cumulative[index] ?? 0)),
    sum: after.sum - before.sum,
    count: after.count - before.count,
  };
}

/** Several processes' histograms of the same metric as one (the observations of all of them together). */
export function histogramSum(histograms: ScrapedHistogram[]): ScrapedHistogram {
  const [first, ...rest] = histograms;
  if (!first) throw new Error('no histograms to add');
  return rest.reduce((total, next) => {
    if (next.bounds.join() !== total.bounds.join()) throw new Error('histograms with different buckets');
    return {
      bounds: total.bounds,
      cumulative: total.cumulative.map((n, index) => n + (next.cumulative[index] ?? 0)),
      sum: total.sum + next.sum,
      count: total.count + next.count,
    };
  }, first);
}

/**
 * The q-quantile, with the benches' convention (the value at index ⌊q·n⌋ of the sorted observations), estimated
 * by linear interpolation inside the bucket that holds it; `Infinity` when that is the `+Inf` bucket and NaN when
 * nothing was observed. The true value lies in the same bucket: the estimate is off by at most its width.
 */
export function histogramQuantile(histogram: ScrapedHistogram, q: number): number {
  const { bounds, cumulative, count } = histogram;
  if (count === 0) return Number.NaN;
  const rank = Math.min(count - 1, Math.floor(q * count)) + 1;
  const index = cumulative.findIndex((n) => n >= rank);
  const upper = bounds[index] ?? Number.POSITIVE_INFINITY;
  if (upper === Number.POSITIVE_INFINITY) return upper;
  const lower = index > 0 ? (bounds[index - 1] ?? 0) : 0;
  const below = index > 0 ? (cumulative[index - 1] ?? 0) : 0;
  const inBucket = (cumulative[index] ?? 0) - below;
  // Clamped: floating-point rounding may land the interpolation a hair past the bucket's bound.
  return Math.min(upper, lower + ((upper - lower) * (rank - below)) / inBucket);
}
