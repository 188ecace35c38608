// Generates docs/api/ (Markdown for VitePress) from the TSDoc of every published package: each
// package.json without `private` and with `exports`, one TypeDoc module per export path, named as
// users import it (`@tx402/client/evm`). Run by `pnpm docs:build` and `pnpm docs:dev`; docs/api/
// is generated, never committed. TypeDoc warnings (an export without a comment) are printed and
// allowed; an error fails the run.
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { Application, Converter, DeclarationReflection, LogLevel, ReflectionKind } from 'typedoc'

const root = resolve(import.meta.dirname, '..')
const out = join(root, 'docs/api')

interface Entry {
  file: string
  name: string
}

function publishedEntries(): Entry[] {
  const entries: Entry[] = []
  for (const dir of readdirSync(join(root, 'packages')).sort()) {
    const pkg = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8'))
    if (pkg.private || !pkg.exports) continue
    for (const [subpath, target] of Object.entries<{ types?: string } | string>(pkg.exports)) {
      const types = typeof target === 'string' ? target : target.types
      if (!types?.endsWith('.ts')) continue
      entries.push({
        file: join(root, 'packages', dir, types),
        name: subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`,
      })
    }
  }
  return entries
}

const entries = publishedEntries()
const nameOf = new Map(entries.map((e) => [e.file, e.name]))
rmSync(out, { recursive: true, force: true })

const app = await Application.bootstrapWithPlugins({
  entryPoints: entries.map((e) => e.file),
  entryPointStrategy: 'resolve',
  tsconfig: join(root, 'tsconfig.json'),
  // The same tsconfig's type errors fail `npm run typecheck` (the CI step before this one);
  // checking them again here would double TypeDoc's time.
  skipErrorChecking: true,
  plugin: ['typedoc-plugin-markdown', 'typedoc-vitepress-theme'],
  out,
  name: 'API reference',
  readme: 'none',
  excludePrivate: true,
  excludeInternal: true,
  excludeExternals: true,
  githubPages: false,
  hideGenerator: true,
  // "Defined in" links to the file on GitHub's main branch, whatever this checkout's remote is.
  disableGit: true,
  basePath: root,
  // {path} is relative to the entry points' common directory, packages/.
  sourceLinkTemplate: 'https://github.com/tx402/tx402/blob/main/packages/{path}#L{line}',
  logLevel: LogLevel.Warn,
  // typedoc-plugin-markdown / typedoc-vitepress-theme
  entryFileName: 'index',
  docsRoot: join(root, 'docs'),
  sidebar: { autoConfiguration: true, format: 'vitepress', pretty: true, collapsed: true },
} as Parameters<typeof Application.bootstrapWithPlugins>[0])

// Name each module after its import path, not its file path (packages/client/src/evm).
app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
  for (const mod of context.project.getReflectionsByKind(ReflectionKind.Module)) {
    if (!(mod instanceof DeclarationReflection)) continue
    const file = mod.sources?.[0]?.fullFileName
    const name = file ? nameOf.get(file) : undefined
    if (name) mod.name = name
  }
})

const project = await app.convert()
if (!project) {
  console.error('docs-api: TypeDoc could not convert the packages (errors above)')
  process.exit(1)
}
app.validate(project)
if (app.logger.hasErrors()) {
  console.error('docs-api: TypeDoc reported errors')
  process.exit(1)
}
await app.generateOutputs(project)
if (app.logger.hasErrors()) process.exit(1)
console.log(`docs-api: ${entries.length} entry points -> ${relative(root, out)}/`)
