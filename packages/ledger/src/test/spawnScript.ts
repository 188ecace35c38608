import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'

/** Runs one of these test scripts in its own Node process, `env` passed as JSON in `variable`. */
export function spawnScript(
  name: string,
  variable: string,
  env: unknown,
): {
  child: ChildProcess
  lines: AsyncIterator<string>
  exited: Promise<unknown>
} {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL(name, import.meta.url).pathname],
    {
      // Where `tsx` resolves from: the workspace root.
      cwd: new URL('../../../../', import.meta.url).pathname,
      env: { ...process.env, [variable]: JSON.stringify(env) },
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  )
  const exited = once(child, 'exit')
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]()
  return { child, lines, exited }
}

/** The next line a script wrote, or an error if it ended first. */
export async function nextLine(lines: AsyncIterator<string>): Promise<string> {
  const next = await lines.next()
  if (next.done) throw new Error('the script ended without answering')
  return next.value
}
