/** One figure of a benchmark, as printed in the table and written to the JSON file. */
export interface Figure {
  /** The benchmark's name, e.g. `replay`. */
  bench: string
  /** What was measured, e.g. `consumed-tx req/s`. */
  metric: string
  /** `req/s`, `ops/s`, `ms`, `MB`, `×` or `count`. */
  unit: string
  value: number
  /** What the figure is divided by, measured in the same run. */
  floor?: { label: string; value: number }
  /** `value / floor.value`. */
  ratio?: number
  /** For a count that must be exact (RPC calls during replays: 0; responses served: 1). */
  expected?: number
  /**
   * A performance goal (issue 17) the figure is judged against, e.g. `402 >= 0.5x`: shown as
   * met or not met, never a failed run (ratios drift on a shared machine; counts do not).
   */
  goal?: Goal
  /** A short remark printed beside the figure. */
  note?: string
  /** Everything else the run measured, for the JSON file. */
  details?: Record<string, unknown>
}

/** A goal and whether this run met it. */
export interface Goal {
  /** The goal as the check column shows it, e.g. `p50 <= 2.0x`; `none` for a figure without one. */
  text: string
  /** Absent for a figure shown for information only. */
  met?: boolean
}

/**
 * `ok` / `FAIL` for an exact count, `met` / `NOT MET` for a goal, `info` for a figure with
 * neither. Only `FAIL` makes `pnpm bench` exit 1.
 */
export function verdict(figure: Figure): 'ok' | 'FAIL' | 'met' | 'NOT MET' | 'info' {
  if (figure.expected !== undefined) return figure.value === figure.expected ? 'ok' : 'FAIL'
  if (figure.goal?.met === undefined) return 'info'
  return figure.goal.met ? 'met' : 'NOT MET'
}

/** The check column: the verdict and what it was judged against. */
export function checkText(figure: Figure): string {
  if (figure.expected !== undefined) return `${verdict(figure)} (must be ${figure.expected})`
  if (!figure.goal) return 'info'
  return figure.goal.met === undefined
    ? `info (${figure.goal.text})`
    : `${verdict(figure)} (${figure.goal.text})`
}
