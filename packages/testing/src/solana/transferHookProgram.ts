import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)

/**
 * Where the compiled SPL Noop program comes from: the npm tarball of a package that ships it
 * (not a dependency: it pulls a whole CLI), the file inside it, and the file's sha256, pinned so
 * a changed tarball is refused rather than loaded.
 */
export const splNoopSource = {
  packageSpec: '@lightprotocol/zk-compression-cli@0.28.3',
  file: 'package/bin/spl_noop.so',
  sha256: '9456458d0f60e575a9dd1a47341653fecbf67debc0fdaee7c303ba9b255c971f',
} as const

/** A transfer-hook program found (`path`), or why none was (`missing`: one line, what to do). */
export type TransferHookProgram = { path: string } | { missing: string }

/**
 * The path of a compiled program a Token-2022 mint's transfer hook can point at in litesvm:
 * `TX402_TRANSFER_HOOK_PROGRAM` when set, else the SPL Noop program (accepts every instruction,
 * so the hook's `Execute` CPI succeeds and only Token-2022's own resolution of the hook's extra
 * accounts is tested), cached under `node_modules/.cache/tx402/` of the repository root and
 * fetched once with `npm pack` (registry only, no dependencies, no scripts; killed after
 * `timeoutMs`, default 60 s). Never throws: an absent program (offline, npm failing, a hash
 * that does not match) is `{ missing }`, for the suite to skip. Test support.
 *
 * @example
 * const program = await transferHookProgram()
 * if ('missing' in program) this.skip()
 * else svm.addProgramFromFile(hookProgramId, program.path)
 */
export async function transferHookProgram(
  options: { timeoutMs?: number; cacheDir?: string } = {},
): Promise<TransferHookProgram> {
  const fromEnv = process.env.TX402_TRANSFER_HOOK_PROGRAM
  if (fromEnv) {
    return existsSync(fromEnv)
      ? { path: resolve(fromEnv) }
      : { missing: `TX402_TRANSFER_HOOK_PROGRAM=${fromEnv} does not exist` }
  }
  const cacheDir = options.cacheDir ?? defaultCacheDir()
  const version = splNoopSource.packageSpec.split('@').pop()
  const cached = join(cacheDir, `spl_noop-${version}.so`)
  if (existsSync(cached) && sha256(cached) === splNoopSource.sha256) return { path: cached }
  const failure = await fetchSplNoop(cached, options.timeoutMs ?? 60_000)
  if (failure === undefined) return { path: cached }
  return {
    missing: `the SPL Noop program (${splNoopSource.file} of ${splNoopSource.packageSpec}) is not cached at ${cached} and could not be fetched (${failure}); run the suite once where the npm registry is reachable (the file is then cached), or set TX402_TRANSFER_HOOK_PROGRAM to a compiled transfer-hook program (.so)`,
  }
}

/** `node_modules/.cache/tx402` of the repository root (this file is packages/testing/src/solana). */
function defaultCacheDir(): string {
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..')
  return join(repoRoot, 'node_modules', '.cache', 'tx402')
}

/** Downloads the tarball, extracts the one file, checks it, moves it into place; or says why not. */
async function fetchSplNoop(target: string, timeoutMs: number): Promise<string | undefined> {
  const work = mkdtempSync(join(tmpdir(), 'tx402-spl-noop-'))
  try {
    // cwd outside the workspace, so no project .npmrc or packageManager field interferes.
    const { stdout } = await run(
      'npm',
      [
        'pack',
        splNoopSource.packageSpec,
        '--pack-destination',
        work,
        '--ignore-scripts',
        '--fetch-retries=0',
        '--json',
      ],
      { cwd: work, timeout: timeoutMs, killSignal: 'SIGKILL' },
    )
    const [packed] = JSON.parse(stdout) as { filename: string }[]
    if (!packed) return 'npm pack printed no tarball'
    await run('tar', ['-xzf', join(work, packed.filename), '-C', work, splNoopSource.file], {
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
    })
    const extracted = join(work, splNoopSource.file)
    const digest = sha256(extracted)
    if (digest !== splNoopSource.sha256) {
      return `${splNoopSource.file} has sha256 ${digest}, expected ${splNoopSource.sha256}`
    }
    // Copied beside the target, then renamed: the cache never holds half a file.
    await mkdir(dirname(target), { recursive: true })
    const partial = `${target}.${process.pid}.partial`
    copyFileSync(extracted, partial)
    renameSync(partial, target)
    return undefined
  } catch (error) {
    const { killed, stderr, message } = error as {
      killed?: boolean
      stderr?: string
      message?: string
    }
    if (killed) return `no answer within ${timeoutMs} ms`
    // npm's first "npm error" line names the cause (ENOTFOUND, E404, ...); else the command's.
    const lines = `${stderr ?? ''}\n${message ?? String(error)}`.split('\n')
    return (
      lines.find((line) => line.startsWith('npm error')) ??
      lines.find((line) => line.trim()) ??
      'unknown error'
    ).trim()
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex')
}
