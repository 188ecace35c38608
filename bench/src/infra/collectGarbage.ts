import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

// V8's gc(), without starting the process with --expose-gc: set the flag, then take the function
// from a fresh context, where V8 installs it.
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/**
 * This process's memory after a full garbage collection, so what is measured is what is still
 * held, not garbage not yet collected. Sizes in bytes, as `process.memoryUsage()`.
 *
 * @example const { rss, heapUsed } = memoryAfterGc()
 */
export function memoryAfterGc(): NodeJS.MemoryUsage {
  gc()
  return process.memoryUsage()
}
