import { spawnSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type BlockModule, repoRoot } from './blocks.js'

/** Where the blocks are written: inside the doc-blocks package, so imports resolve from it. */
export const scratchDir = join(repoRoot, 'tools/doc-blocks/.blocks')

/** A compiler error, placed in the Markdown file it came from. */
export interface BlockError {
  file: string
  line: number
  message: string
}

/**
 * Writes the modules to the scratch directory (emptied first) with the tsconfig of a strict
 * user's app, and type-checks them in one `tsc` run. `dir` must sit inside tools/doc-blocks/
 * (default: its .blocks/), so the workspace packages resolve.
 *
 * @returns the errors, each at its Markdown file and line; empty when everything compiles
 * @throws when tsc itself cannot run
 */
export function compileModules(modules: BlockModule[], dir = scratchDir): BlockError[] {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify(
      {
        // A user's strict app, not this repository's extra flags (noUncheckedIndexedAccess,
        // exactOptionalPropertyTypes): the examples must compile where readers paste them.
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2022', 'DOM'],
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          skipLibCheck: true,
          noEmit: true,
          types: ['node'],
        },
        include: ['*.ts'],
      },
      null,
      2,
    ),
  )
  for (const mod of modules) writeFileSync(join(dir, mod.name), mod.source)
  if (modules.length === 0) return []
  const tsc = join(repoRoot, 'node_modules/typescript/bin/tsc')
  const result = spawnSync(process.execPath, [tsc, '-p', dir, '--pretty', 'false'], {
    cwd: dir,
    encoding: 'utf8',
  })
  if (result.error) throw result.error
  const byName = new Map(modules.map((m) => [m.name, m]))
  const errors: BlockError[] = []
  let last: BlockError | undefined
  let skipping = false
  let diagnostics = 0
  for (const line of `${result.stdout}${result.stderr}`.split('\n')) {
    const m = /^(.+?)\((\d+),(\d+)\): error (TS\d+: .*)$/.exec(line)
    if (m) {
      diagnostics++
      // Errors inside the packages' own sources are the repository typecheck's business.
      skipping = /[\\/]/.test(m[1]!)
      if (skipping) continue
      const mod = byName.get(m[1]!)
      const origin = mod?.origin[Number(m[2])]
      last = {
        file: origin?.file ?? m[1]!,
        line: origin?.line ?? Number(m[2]),
        message: m[4]!,
      }
      errors.push(last)
    } else if (line.startsWith('  ')) {
      if (!skipping && last) last.message += `\n${line}`
    } else if (line.trim()) {
      skipping = false
      last = { file: 'tsc', line: 0, message: line }
      errors.push(last)
    }
  }
  if (result.status !== 0 && diagnostics === 0 && errors.length === 0)
    errors.push({ file: 'tsc', line: 0, message: `tsc exited with ${result.status}` })
  return errors.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line)
}
