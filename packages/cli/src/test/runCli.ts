import { execFile, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const packageDir = fileURLToPath(new URL('../../', import.meta.url))
/** The built executable, as `npx tx402` runs it. */
export const cliBin = `${packageDir}dist/tx402.js`
let built: Promise<void> | undefined

/** Builds `dist/tx402.js` with the package's own build (tsup), once per test process. */
export function buildCli(): Promise<void> {
  built ??= promisify(execFile)(`${packageDir}node_modules/.bin/tsup`, [], {
    cwd: packageDir,
  }).then(() => undefined)
  return built
}

/** What one run of `tx402` did. */
export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
  /** stdout parsed as JSON (for `--json`). */
  json<T = Record<string, unknown>>(): T
}

/**
 * Runs the built `tx402` with `args` in a child process, with only `env` (and PATH) in its
 * environment, so nothing of the test's own environment configures it; in `cwd` when given.
 *
 * @example const run = await runCli(['ledger', 'list', '--json'], { DATABASE_URL })
 */
export async function runCli(
  args: string[],
  env: Record<string, string> = {},
  { cwd }: { cwd?: string } = {},
): Promise<CliRun> {
  await buildCli()
  const child = spawn(process.execPath, [cliBin, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    ...(cwd ? { cwd } : {}),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => {
    stdout += chunk
  })
  child.stderr.on('data', (chunk) => {
    stderr += chunk
  })
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve))
  return {
    code,
    stdout,
    stderr,
    json<T>() {
      try {
        return JSON.parse(stdout) as T
      } catch {
        throw new Error(
          `tx402 ${args.join(' ')} printed no JSON (exit ${code}):\n${stdout}\n${stderr}`,
        )
      }
    },
  }
}
