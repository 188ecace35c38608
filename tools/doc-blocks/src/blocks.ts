import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'

/** The repository's root (tools/doc-blocks/src/ is three levels down). */
export const repoRoot = resolve(import.meta.dirname, '../../..')

/**
 * One fenced TypeScript block of a Markdown file. Tags after the language, space separated (the
 * site shows none of them):
 * - `no-check`: a deliberately partial block, not compiled. Use sparingly.
 * - `group=NAME`: the file's blocks with this NAME are compiled as one module, in page order
 *   (an import line repeated word for word is kept once).
 * - `run=NAME`: the block is a program (one file, as a reader saves it) that runGroup.ts runs
 *   against local chains with the file's other `run=NAME` blocks, in page order; see there for
 *   `serve`, `path=`, `expect=` and `chain-id=`. Each is compiled as its own module.
 * A block inside an HTML comment (`<!-- … -->`) is not shown on the site but is compiled and run
 * like the others.
 */
export interface DocBlock {
  /** Path relative to the repository root. */
  file: string
  /** 1-based line of the block's first code line in `file`. */
  line: number
  code: string
  noCheck: boolean
  group?: string
  run?: string
  /** Every tag after the language, as written. */
  tags: string[]
}

const typescript = new Set(['ts', 'typescript', 'mts'])

/**
 * The Markdown files whose TypeScript blocks must compile: README.md, CONTRIBUTING.md, the
 * examples' and benches' README.md, each package's and app's README.md and everything under
 * docs/ except the generated API reference and the site's build output.
 */
export function documentationFiles(root = repoRoot): string[] {
  const files: string[] = []
  const add = (path: string) => {
    try {
      if (statSync(path).isFile()) files.push(relative(root, path))
    } catch {}
  }
  add(join(root, 'README.md'))
  add(join(root, 'CONTRIBUTING.md'))
  add(join(root, 'examples/README.md'))
  add(join(root, 'bench/README.md'))
  for (const parent of ['packages', 'apps']) {
    for (const dir of readdirSync(join(root, parent)).sort())
      add(join(root, parent, dir, 'README.md'))
  }
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) {
        if (
          ['node_modules', '.vitepress', 'api'].includes(entry.name) &&
          dir === join(root, 'docs')
        )
          continue
        if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue
        walk(path)
      } else if (entry.name.endsWith('.md')) files.push(relative(root, path))
    }
  }
  walk(join(root, 'docs'))
  return files
}

/** One fenced block of any language, as `fences` reads it. */
interface Fence {
  /** 1-based line of the first code line. */
  line: number
  /** The language, lower-cased, without VitePress's `{1,3}` or `:line-numbers`. */
  lang: string
  tags: string[]
  code: string
}

/**
 * Every fenced block of a Markdown text. Fences may be indented (inside a list item) or quoted
 * (`> `): the indentation and the quote marks are removed from the code. The info string is read
 * as VitePress reads it: `ts{2}`, `ts:line-numbers` and `ts [title]` are all TypeScript.
 */
function fences(text: string): Fence[] {
  const lines = text.split('\n')
  const found: Fence[] = []
  const quote = /^(?: {0,3}> ?)*/
  for (let i = 0; i < lines.length; i++) {
    const prefix = quote.exec(lines[i]!)![0]
    const open = /^( *)(`{3,}|~{3,})\s*([^`]*)$/.exec(lines[i]!.slice(prefix.length))
    if (!open) continue
    const [, indent = '', fence = '', info = ''] = open
    const body: string[] = []
    let j = i + 1
    const close = new RegExp(`^ {0,${indent.length + 3}}${fence[0]}{${fence.length},}\\s*$`)
    const unquote = (line: string) => (prefix ? line.replace(quote, '') : line)
    while (j < lines.length && !close.test(unquote(lines[j]!))) {
      const line = unquote(lines[j]!)
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line.trimStart())
      j++
    }
    const lang = /^[^\s{:[]*/.exec(info)![0]
    const tags = info
      .slice(lang.length)
      .replace(/^(?::[\w-]+)+/, '')
      .split(/\s+/)
      .filter((t) => t && !/^\{[\d,\s-]*\}$/.test(t))
    found.push({ line: i + 2, lang: lang.toLowerCase(), tags, code: body.join('\n') })
    i = j
  }
  return found
}

/**
 * The TypeScript blocks of one Markdown text, in order (see `fences` for the forms it reads).
 *
 * @example extractBlocks('docs/quick-start.md', readFileSync('docs/quick-start.md', 'utf8'))
 */
export function extractBlocks(file: string, text: string): DocBlock[] {
  return fences(text)
    .filter((f) => typescript.has(f.lang))
    .map(({ line, tags, code }) => {
      const value = (key: string) =>
        tags.find((t) => t.startsWith(`${key}=`))?.slice(key.length + 1)
      const run = value('run')
      const group = value('group')
      return {
        file,
        line,
        code,
        noCheck: tags.includes('no-check'),
        tags,
        ...(group ? { group } : {}),
        ...(run ? { run } : {}),
      }
    })
}

/** Script languages the site highlights that the checker does not compile. */
const uncompiled = new Set(['js', 'javascript', 'jsx', 'mjs', 'cjs', 'tsx', 'cts'])

/**
 * The JavaScript and TSX blocks of one Markdown text that are not marked `no-check`: the checker
 * cannot vouch for them, so it reports each one (write it as `ts`, or mark it `no-check`).
 *
 * @example uncheckedScriptBlocks('docs/page.md', '```js\nx\n```') // [{ line: 2, lang: 'js', … }]
 */
export function uncheckedScriptBlocks(
  file: string,
  text: string,
): Array<{ file: string; line: number; lang: string }> {
  return fences(text)
    .filter((f) => uncompiled.has(f.lang) && !f.tags.includes('no-check'))
    .map(({ line, lang }) => ({ file, line, lang }))
}

/** The value of a block's `key=value` tag, if it has one. */
export function tagValue(block: DocBlock, key: string): string | undefined {
  return block.tags.find((t) => t.startsWith(`${key}=`))?.slice(key.length + 1)
}

/** Every JavaScript or TSX block of the documentation files not marked `no-check`. */
export function allUncheckedScriptBlocks(root = repoRoot) {
  return documentationFiles(root).flatMap((file) =>
    uncheckedScriptBlocks(file, readFileSync(join(root, file), 'utf8')),
  )
}

/** Every block of the documentation files. */
export function allBlocks(root = repoRoot): DocBlock[] {
  return documentationFiles(root).flatMap((file) =>
    extractBlocks(file, readFileSync(join(root, file), 'utf8')),
  )
}

/** A compilable module made of one block or of a group's blocks, with a map back to Markdown. */
export interface BlockModule {
  /** File name in the scratch directory (no directory). */
  name: string
  source: string
  /** For each 1-based line of `source`: the Markdown file and line it came from. */
  origin: Array<{ file: string; line: number } | undefined>
  blocks: DocBlock[]
}

/**
 * Turns blocks into modules: each ungrouped block alone; a group's blocks concatenated in order,
 * with an import line repeated word for word in a later block kept once (each block of a page
 * may show its own imports). Every module ends with `export {}` so top-level await works and
 * names never leak between modules.
 */
export function toModules(blocks: DocBlock[]): BlockModule[] {
  const modules: BlockModule[] = []
  const groups = new Map<string, BlockModule>()
  const slug = (file: string) => file.replace(/[^A-Za-z0-9]+/g, '_')
  for (const block of blocks) {
    if (block.noCheck) continue
    let mod: BlockModule
    if (block.group) {
      const key = `${block.file}\0${block.group}`
      const existing = groups.get(key)
      if (existing) mod = existing
      else {
        mod = {
          name: `${slug(block.file)}.${block.group.replace(/[^A-Za-z0-9-]+/g, '_')}.ts`,
          source: '',
          origin: [],
          blocks: [],
        }
        groups.set(key, mod)
        modules.push(mod)
      }
    } else {
      mod = { name: `${slug(block.file)}.L${block.line}.ts`, source: '', origin: [], blocks: [] }
      modules.push(mod)
    }
    const seenImports = new Set(
      mod.source.split('\n').filter((l) => /^import .* from .*$/.test(l.trim())),
    )
    const out: string[] = mod.source ? mod.source.split('\n') : []
    block.code.split('\n').forEach((line, k) => {
      const repeatedImport = /^import .* from .*$/.test(line.trim()) && seenImports.has(line)
      out.push(repeatedImport ? '' : line)
      mod.origin[out.length] = { file: block.file, line: block.line + k }
    })
    mod.source = out.join('\n')
    mod.blocks.push(block)
  }
  for (const mod of modules) mod.source += '\nexport {}\n'
  return modules
}
