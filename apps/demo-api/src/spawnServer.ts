import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** A demo API running in a child process, as `pnpm --filter @tx402/demo-api start` runs it. */
export interface SpawnedServer {
  url: string
  process: ChildProcess
  output(): string
  stop(): Promise<void>
}

const serverScript = fileURLToPath(new URL('./server.ts', import.meta.url))

/**
 * Test support: starts `server.ts` with `env` (and PORT=0) and resolves once it listens; rejects
 * with its output when it exits first.
 *
 * @example const server = await spawnServer({ BASE_RPC_URL: node.rpcUrl, BASE_PAY_TO: payTo })
 */
export function spawnServer(env: Record<string, string>): Promise<SpawnedServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', serverScript], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout!.on('data', (chunk) => {
    output += chunk
  })
  child.stderr!.on('data', (chunk) => {
    output += chunk
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    await exited
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop()
      reject(new Error(`demo API did not start in 60 s:\n${output}`))
    }, 60_000)
    child.stdout!.on('data', () => {
      const match = /demo API on (http:\/\/\S+)/.exec(output)
      if (match) {
        clearTimeout(timer)
        resolve({ url: match[1]!, process: child, output: () => output, stop })
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(Object.assign(new Error(`demo API exited with ${code}:\n${output}`), { code, output }))
    })
  })
}
