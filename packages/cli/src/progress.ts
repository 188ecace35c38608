/** How long a step may take before the CLI says what it is waiting for. */
const quietMs = 1_000

/**
 * Runs `task`; if it takes longer than a second, writes `label…` to stderr (stdout stays the
 * result alone, so `--json` output still parses) and, when it ends, how long it took.
 *
 * @example const result = await withProgress('verifying on base', () => plugin.verify(context))
 */
export async function withProgress<T>(label: string, task: () => Promise<T>): Promise<T> {
  const started = performance.now()
  let shown = false
  const timer = setTimeout(() => {
    shown = true
    process.stderr.write(`${label}…\n`)
  }, quietMs)
  try {
    return await task()
  } finally {
    clearTimeout(timer)
    if (shown) {
      const seconds = ((performance.now() - started) / 1000).toFixed(1)
      process.stderr.write(`${label}: done in ${seconds} s\n`)
    }
  }
}
