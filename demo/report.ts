/**
 * Shared output helpers of the demos: SVG line charts (vega-lite, rendered headless), markdown tables, and a
 * report folder (results.json, one SVG per chart, a self-contained report.html).
 */
import * as fs from 'fs';
import * as path from 'path';
const vega = require('vega');
const vl = require('vega-lite');

export interface Series {
  name: string;
  x: number[];
  y: number[];
  /** Error bars: x ± xError[i], y ± yError[i] (e.g. the spread over seeds). */
  xError?: number[];
  yError?: number[];
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  logY?: boolean;
  /** Join the points in the order given (a Pareto curve) instead of by increasing x. */
  keepOrder?: boolean;
  /** File name of the SVG, without extension; default: the title, slugified. */
  file?: string;
}

/** SVG line chart (one line per series, legend) rendered with vega-lite, headless. */
export async function lineChartSvg(chart: ChartSpec): Promise<string> {
  const values: Array<{
    x: number;
    y: number;
    series: string;
    order: number;
    x0?: number;
    x1?: number;
    y0?: number;
    y1?: number;
  }> = [];
  for (const s of chart.series) {
    const n = Math.min(s.x.length, s.y.length);
    for (let i = 0; i < n; i++) {
      const x = s.x[i];
      const y = s.y[i];
      // Non-finite points (and, on a log axis, non-positive ones) are dropped rather than breaking the chart.
      if (!Number.isFinite(x) || !Number.isFinite(y) || (chart.logY && y <= 0)) continue;
      const dx = s.xError?.[i] ?? 0;
      const dy = s.yError?.[i] ?? 0;
      values.push({
        x,
        y,
        series: s.name,
        order: i,
        ...(s.xError || s.yError ? { x0: x - dx, x1: x + dx, y0: y - dy, y1: y + dy } : {}),
      });
    }
  }
  const x = {
    field: 'x',
    type: 'quantitative',
    title: chart.xLabel,
    ...(chart.keepOrder ? { scale: { zero: false } } : {}),
  };
  const y = {
    field: 'y',
    type: 'quantitative',
    title: chart.yLabel,
    scale: chart.logY ? { type: 'log' } : { zero: false },
  };
  const color = { field: 'series', type: 'nominal', title: null, sort: chart.series.map((s) => s.name) };
  const line = {
    mark: { type: 'line', point: true },
    encoding: { x, y, color, ...(chart.keepOrder ? { order: { field: 'order', type: 'quantitative' } } : {}) },
  };
  const withErrors = chart.series.some((s) => s.xError || s.yError);
  const rule = (from: string, to: string, fixed: string) => ({
    mark: { type: 'rule', opacity: 0.6 },
    encoding: {
      [from[0]]: { ...(from[0] === 'x' ? x : y), field: from },
      [`${from[0]}2`]: { field: to },
      [fixed]: fixed === 'x' ? x : y,
      color,
    },
  });
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: chart.title,
    width: 480,
    height: 300,
    background: 'white',
    data: { values },
    ...(withErrors ? { layer: [line, rule('x0', 'x1', 'y'), rule('y0', 'y1', 'x')] } : line),
  };
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Formats a number with `digits` significant digits (integers as they are). */
function formatNumber(v: number, digits: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(digits - 1);
  return String(Number(v.toPrecision(digits)));
}

const escapeCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** A markdown table (numbers formatted with `digits` significant digits, default 4). */
export function markdownTable(headers: string[], rows: Array<Array<string | number>>, digits = 4): string {
  const cell = (v: string | number) => escapeCell(typeof v === 'number' ? formatNumber(v, digits) : String(v));
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(headers.map(cell)), line(headers.map(() => '---')), ...rows.map((r) => line(r.map(cell)))].join('\n');
}

export interface Report {
  title: string;
  command: string;
  summary: string[];
  tables: Array<{ title: string; headers: string[]; rows: Array<Array<string | number>> }>;
  charts: ChartSpec[];
  json: unknown;
  /** PNG pictures shown after the charts, embedded in report.html (self-contained). */
  images?: Array<{ title: string; png: Buffer }>;
}

const slugify = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '') || 'chart';

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function htmlTable(headers: string[], rows: Array<Array<string | number>>): string {
  const cell = (tag: string, v: string | number) =>
    `<${tag}>${escapeHtml(typeof v === 'number' ? formatNumber(v, 4) : String(v))}</${tag}>`;
  const head = `<tr>${headers.map((h) => cell('th', h)).join('')}</tr>`;
  const body = rows.map((r) => `<tr>${r.map((v) => cell('td', v)).join('')}</tr>`).join('\n');
  return `<table>\n${head}\n${body}\n</table>`;
}

/**
 * Writes <dir>/results.json (report.json field + tables), one <dir>/<slug>.svg per chart, and <dir>/report.html
 * (title, command, summary, tables, inline SVGs, self-contained: no network). Creates dir. Returns the written paths.
 */
export async function writeReport(dir: string, report: Report): Promise<string[]> {
  fs.mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    written.push(file);
  };
  const json = {
    title: report.title,
    command: report.command,
    summary: report.summary,
    tables: report.tables,
    results: report.json,
  };
  write(
    'results.json',
    JSON.stringify(json, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2) + '\n',
  );
  const svgs: string[] = [];
  const used = new Set<string>();
  for (const chart of report.charts) {
    const base = chart.file ?? slugify(chart.title);
    let slug = base;
    for (let i = 2; used.has(slug); i++) slug = `${base}-${i}`;
    used.add(slug);
    const svg = await lineChartSvg(chart);
    svgs.push(svg);
    write(`${slug}.svg`, svg);
  }
  const html = [
    '<!DOCTYPE html>',
    '<html><head><meta charset="utf-8">',
    `<title>${escapeHtml(report.title)}</title>`,
    '<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto}table{border-collapse:collapse;margin:1em 0}' +
      'td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}code{background:#f4f4f4;padding:2px 4px}</style>',
    '</head><body>',
    `<h1>${escapeHtml(report.title)}</h1>`,
    `<p>Command: <code>${escapeHtml(report.command)}</code></p>`,
    report.summary.length ? `<ul>${report.summary.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ul>` : '',
    ...report.tables.map((t) => `<h2>${escapeHtml(t.title)}</h2>\n${htmlTable(t.headers, t.rows)}`),
    ...svgs.map((svg) => `<div>${svg}</div>`),
    ...(report.images ?? []).map(
      (im) =>
        `<figure><img style="width:min(100%,${2 * im.png.readUInt32BE(16)}px);image-rendering:pixelated" alt="${escapeHtml(im.title)}" src="data:image/png;base64,${im.png.toString('base64')}"><figcaption>${escapeHtml(im.title)}</figcaption></figure>`,
    ),
    '</body></html>',
    '',
  ].join('\n');
  write('report.html', html);
  return written;
}
