// Type-checks every TypeScript block of the documentation against the workspace packages and
// prints file:line for each error: `pnpm docs:check-blocks`. Exit 1 on any error.
import { allBlocks, allUncheckedScriptBlocks, documentationFiles, toModules } from './blocks.js'
import { compileModules } from './compile.js'

const files = documentationFiles()
const blocks = allBlocks()
const modules = toModules(blocks)
const errors = [
  ...allUncheckedScriptBlocks().map(({ file, line, lang }) => ({
    file,
    line,
    message: `a \`${lang}\` block is not type-checked: write it as \`ts\`, or tag it no-check`,
  })),
  ...compileModules(modules),
]
for (const e of errors) console.error(`${e.file}:${e.line}: ${e.message}`)
const skipped = blocks.filter((b) => b.noCheck).length
const runs = new Set(blocks.filter((b) => b.run).map((b) => `${b.file}#${b.run}`)).size
console.log(
  `doc blocks: ${blocks.length} TypeScript blocks in ${files.length} Markdown files, ` +
    `${blocks.length - skipped} compiled as ${modules.length} modules (${skipped} marked no-check, ` +
    `${runs} run groups): ${errors.length} errors`,
)
process.exit(errors.length ? 1 : 0)
