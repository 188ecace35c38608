/** One figure of a benchmark, as printed in the table and written to the JSON file. */
export interface Figure {
  /** The benchmark's name, e.g. `replay`. */
  bench: string
  /** What was measured, e.g. `consumed-tx req/s`. */
  metric: string
  /** `req/s`, `ops/s`, `ms` or `count`. */
  unit: string
  value: number
  /** What the figure is divided by, measured in the same run. */
  floor?: { label: string; value: number }
  /** `value / floor.value`. */
  ratio?: number
  /** For a count that must be exact (RPC calls during replays: 0; responses served: 1). */
  expected?: number
  /** A short remark printed beside the figure. */
  note?: string
  /** Everything else the run measured, for the JSON file. */
  details?: Record<string, unknown>
}

/** `ok` when a figure meets what it must be (or has no such rule), else `FAIL`. */
export function verdict(figure: Figure): 'ok' | 'FAIL' | '' {
  if (figure.expected === undefined) return ''
  return figure.value === figure.expected ? 'ok' : 'FAIL'
}
