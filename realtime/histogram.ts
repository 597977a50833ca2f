/** A Prometheus histogram kept in memory: per-bucket counts, their sum and count, rendered cumulatively. */
export class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  /** `bounds`: the buckets' upper bounds, ascending; `+Inf` is implied. */
  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Array<number>(bounds.length).fill(0);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    const index = this.bounds.findIndex((bound) => value <= bound);
    if (index >= 0) this.counts[index] = (this.counts[index] ?? 0) + 1;
  }

  /** Text exposition lines; `labels` is the rendered label set without braces (e.g. `node="a"`). */
  render(labels: string): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    let cumulative = 0;
    for (const [index, bound] of this.bounds.entries()) {
      cumulative += this.counts[index] ?? 0;
      lines.push(`${this.name}_bucket{${labels},le="${bound}"} ${cumulative}`);
    }
    lines.push(
      `${this.name}_bucket{${labels},le="+Inf"} ${this.count}`,
      `${this.name}_sum{${labels}} ${this.sum}`,
      `${this.name}_count{${labels}} ${this.count}`,
    );
    return lines;
  }
}
