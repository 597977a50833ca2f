// A small SVG bar chart of hourly sensor events (GET /v1/residents/:id/activity?days=7): one bar per hour,
// a tick per day. Drawn with SVG attributes only (the console's CSP allows no inline styles).
const SVG = 'http://www.w3.org/2000/svg';

/** Sums every kind's events per hour bucket; accepts `{items}`/`{hourly}`/a bare array of `{bucket, events}`. */
export function hourlyTotals(body) {
  const rows = Array.isArray(body) ? body : (body?.items ?? body?.hourly ?? body?.buckets ?? []);
  const totals = new Map();
  for (const row of rows) {
    const bucket = row.bucket ?? row.hour ?? row.time;
    if (!bucket) continue;
    const hour = Math.floor(new Date(bucket).getTime() / 3_600_000);
    totals.set(hour, (totals.get(hour) ?? 0) + Number(row.events ?? row.count ?? 0));
  }
  return totals;
}

export function renderActivityChart(container, body, { days = 7, now = Date.now(), locale = 'ko-KR' } = {}) {
  const totals = hourlyTotals(body);
  const hours = days * 24;
  const lastHour = Math.floor(now / 3_600_000);
  const firstHour = lastHour - hours + 1;
  const values = Array.from({ length: hours }, (_, index) => totals.get(firstHour + index) ?? 0);
  const max = Math.max(1, ...values);
  const width = 700;
  const height = 120;
  const chartHeight = 100;
  const barWidth = width / hours;

  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('class', 'activity-svg');
  svg.setAttribute('role', 'img');
  values.forEach((value, index) => {
    if (value === 0) return;
    const bar = document.createElementNS(SVG, 'rect');
    const barHeight = Math.max(1, (value / max) * chartHeight);
    bar.setAttribute('x', String(index * barWidth));
    bar.setAttribute('y', String(chartHeight - barHeight));
    bar.setAttribute('width', String(Math.max(1, barWidth - 0.5)));
    bar.setAttribute('height', String(barHeight));
    bar.setAttribute('class', 'bar');
    svg.append(bar);
  });
  const formatter = new Intl.DateTimeFormat(locale, { weekday: 'short' });
  for (let day = 0; day < days; day++) {
    const x = day * 24 * barWidth;
    const tick = document.createElementNS(SVG, 'line');
    tick.setAttribute('x1', String(x));
    tick.setAttribute('x2', String(x));
    tick.setAttribute('y1', '0');
    tick.setAttribute('y2', String(chartHeight));
    tick.setAttribute('class', 'tick');
    svg.append(tick);
    const label = document.createElementNS(SVG, 'text');
    label.setAttribute('x', String(x + 2));
    label.setAttribute('y', String(height - 4));
    label.setAttribute('class', 'tick-label');
    label.textContent = formatter.format(new Date((firstHour + day * 24) * 3_600_000));
    svg.append(label);
  }
  const axis = document.createElementNS(SVG, 'line');
  axis.setAttribute('x1', '0');
  axis.setAttribute('x2', String(width));
  axis.setAttribute('y1', String(chartHeight));
  axis.setAttribute('y2', String(chartHeight));
  axis.setAttribute('class', 'axis');
  svg.append(axis);
  container.replaceChildren(svg);
  return values.reduce((sum, value) => sum + value, 0);
}
