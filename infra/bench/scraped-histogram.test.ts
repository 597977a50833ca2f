import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Histogram } from '../../realtime/histogram';
import { histogramDelta, histogramQuantile, histogramSum, scrapeHistogram } from './scraped-histogram';

const BOUNDS = [0.001, 0.002, 0.005, 0.01, 0.1, 1];
const NAME = 'carewatch_test_seconds';
const exposition = (histogram: Histogram) => `${histogram.render('node="a"').join('\n')}\n# other lines\nx_sum 1\n`;
const percentile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
};
/** The bucket (lower, upper] a value falls in, as the histogram counts it. */
const bucketOf = (value: number): [number, number] => {
  const index = BOUNDS.findIndex((bound) => value <= bound);
  return index < 0
    ? [BOUNDS.at(-1) ?? 0, Number.POSITIVE_INFINITY]
    : [index > 0 ? (BOUNDS[index - 1] ?? 0) : 0, BOUNDS[index] ?? 0];
};
// Values on and between the bounds, so that buckets are often empty or hold a quantile's rank exactly.
const observation = fc.oneof(
  fc.constantFrom(0, ...BOUNDS, 0.0015, 0.003, 0.05, 0.5, 1.5),
  fc.double({ min: 0, max: 2, noNaN: true }),
);
const observations = fc.array(observation, { minLength: 1, maxLength: 60 });
const quantile = fc.oneof(fc.constantFrom(0, 0.25, 0.5, 0.75, 0.99, 1), fc.double({ min: 0, max: 1, noNaN: true }));

describe('a histogram read back from /metrics between two scrapes', () => {
  test('the quantile of what one phase added lies in the bucket of the true quantile of that phase alone', () => {
    fc.assert(
      fc.property(observations, observations, quantile, (earlier, phase, q) => {
        const histogram = new Histogram(NAME, 'test', BOUNDS);
        for (const value of earlier) histogram.observe(value);
        const before = scrapeHistogram(exposition(histogram), NAME);
        for (const value of phase) histogram.observe(value);
        const delta = histogramDelta(scrapeHistogram(exposition(histogram), NAME), before);

        expect(delta.count).toBe(phase.length);
        expect(delta.sum).toBeCloseTo(
          phase.reduce((sum, value) => sum + value, 0),
          6,
        );
        const [lower, upper] = bucketOf(percentile(phase, q));
        const estimate = histogramQuantile(delta, q);
        if (upper === Number.POSITIVE_INFINITY) expect(estimate).toBe(Number.POSITIVE_INFINITY);
        else {
          expect(estimate).toBeGreaterThanOrEqual(lower);
          expect(estimate).toBeLessThanOrEqual(upper);
        }
      }),
    );
  });

  test('nothing observed in a phase has no quantile; a missing metric is an error, not zero', () => {
    const histogram = new Histogram(NAME, 'test', BOUNDS);
    histogram.observe(0.003);
    const scraped = scrapeHistogram(exposition(histogram), NAME);
    expect(histogramQuantile(histogramDelta(scraped, scraped), 0.5)).toBeNaN();
    expect(() => scrapeHistogram(exposition(histogram), 'carewatch_other_seconds')).toThrow(/no histogram/);
  });
  test('several processes added up: the quantile of all their observations together lies in its bucket', () => {
    fc.assert(
      fc.property(fc.array(observations, { minLength: 1, maxLength: 5 }), quantile, (perProcess, q) => {
        const scraped = perProcess.map((values) => {
          const histogram = new Histogram(NAME, 'test', BOUNDS);
          for (const value of values) histogram.observe(value);
          return scrapeHistogram(exposition(histogram), NAME);
        });
        const all = perProcess.flat();
        const total = histogramSum(scraped);
        expect(total.count).toBe(all.length);
        const [lower, upper] = bucketOf(percentile(all, q));
        const estimate = histogramQuantile(total, q);
        expect(estimate).toBeGreaterThanOrEqual(lower);
        expect(estimate).toBeLessThanOrEqual(upper);
      }),
    );
  });
});
