import Table from 'cli-table3'

/** How a command prints: `--json` for scripts (one JSON document on stdout), tables otherwise. */
export interface OutputOptions {
  json?: boolean | undefined
}

/**
 * Prints a command's result: `data` as JSON (bigints as decimal strings) with `--json`, else
 * the human text that `human` renders.
 *
 * @example print(options, { rows }, () => table(['tx', 'status'], rows.map((r) => [r.txId, r.status])))
 */
export function print(options: OutputOptions, data: unknown, human: () => string): void {
  process.stdout.write(options.json ? `${toJson(data)}\n` : `${human()}\n`)
}

/** JSON with bigints as decimal strings and dates as ISO strings. */
export function toJson(data: unknown): string {
  return JSON.stringify(
    data,
    (_, value) => (typeof value === 'bigint' ? value.toString() : value),
    2,
  )
}

/**
 * A plain table (no colours, so it reads the same in a log file).
 *
 * @example table(['chain', 'count'], [['base', '3']])
 */
export function table(head: string[], rows: ReadonlyArray<ReadonlyArray<string>>): string {
  const rendered = new Table({ head, style: { head: [], border: [] } })
  for (const row of rows) rendered.push([...row])
  return rendered.toString()
}

/** `key: value` lines, keys padded to one column. */
export function fields(entries: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(...entries.map(([key]) => key.length))
  return entries.map(([key, value]) => `${`${key}:`.padEnd(width + 2)}${value}`).join('\n')
}
