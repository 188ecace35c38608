import { checkText, type Figure } from './figure.js'

const headings = ['bench', 'figure', 'tx402', 'floor (same run)', 'ratio', 'check', 'note']

/**
 * A number as the table shows it: integers with thousands separators, others with three
 * significant digits (two decimals at least from 10 up), `n/a` for NaN.
 *
 * @example formatNumber(12345.6) // '12,346'; formatNumber(0.04567) // '0.0457'
 */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return 'n/a'
  if (Number.isInteger(value) || Math.abs(value) >= 1000) {
    return Math.round(value).toLocaleString('en-US')
  }
  if (Math.abs(value) >= 10) return value.toFixed(1)
  return Number(value.toPrecision(3)).toString()
}

/**
 * The figures as a Markdown table with padded columns, readable in a terminal and pasteable
 * into an issue. Ratios are written `0.52×`; the check column says whether an exact count is
 * right (`ok` / `FAIL`) and whether a goal is met (`met` / `NOT MET`).
 *
 * @example console.log(formatTable(figures))
 */
export function formatTable(figures: readonly Figure[]): string {
  const rows = figures.map((f) => [
    f.bench,
    f.metric,
    `${formatNumber(f.value)} ${f.unit}`,
    f.floor ? `${formatNumber(f.floor.value)} ${f.unit} (${f.floor.label})` : '',
    f.ratio === undefined ? '' : `${formatNumber(f.ratio)}×`,
    checkText(f),
    f.note ?? '',
  ])
  const widths = headings.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`
  return [
    line(headings),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.map(line),
  ].join('\n')
}
