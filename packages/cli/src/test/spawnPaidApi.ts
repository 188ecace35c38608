import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import type { PaidApiConfig } from './paidApi.js'

/** The paid API of `paidApi.ts`, running in a child process. */
export interface PaidApi {
  url: string
  process: ChildProcess
  /** The next line it writes on stdout. */
  nextLine(): Promise<string>
  /** SIGTERM, then waits for it to exit. */
  stop(): Promise<void>
}

/**
 * Starts `paidApi.ts` in its own Node process and resolves when it listens.
 *
 * @example const api = await spawnPaidApi({ secret, ledger: { dataDir }, base })
 */
export async function spawnPaidApi(config: PaidApiConfig): Promise<PaidApi> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('./paidApi.ts', import.meta.url).pathname],
    {
      // Where `tsx` resolves from: the workspace root.
      cwd: new URL('../../../../', import.meta.url).pathname,
      env: { PATH: process.env.PATH ?? '', TX402_PAID_API: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  const exited = once(child, 'exit')
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]()
  const nextLine = async () => {
    const next = await lines.next()
    if (next.done) throw new Error('the paid API ended without a line')
    return next.value
  }
  const first = await nextLine()
  const url = /^listening (\S+)$/.exec(first)?.[1]
  if (!url) throw new Error(`the paid API said "${first}"`)
  return {
    url,
    process: child,
    nextLine,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await exited
    },
  }
}
