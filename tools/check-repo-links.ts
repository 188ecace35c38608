// Checks the links of the Markdown read on GitHub and npm (README.md, CONTRIBUTING.md, each
// package's and app's README, docs/*.md): a relative link, or an absolute one into this
// repository's main branch (https://github.com/tx402/tx402/blob|tree/main/…, which npm pages
// need), must name a file that exists here and, with a #fragment into Markdown, a heading GitHub
// anchors that way. Run by `pnpm docs:build`; exit 1 with file:line for each broken link.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { githubAnchors } from '../docs/.vitepress/repoLinks.js'
import { documentationFiles } from './doc-blocks/src/blocks.js'

const root = resolve(import.meta.dirname, '..')
const ownRepo = /^https:\/\/github\.com\/tx402\/tx402\/(?:blob|tree)\/main\/([^#?]*)(?:#(.*))?$/

const anchorsOf = new Map<string, Set<string>>()
const anchors = (file: string) => {
  let set = anchorsOf.get(file)
  if (!set) {
    set = githubAnchors(readFileSync(file, 'utf8'))
    anchorsOf.set(file, set)
  }
  return set
}

let checked = 0
const broken: string[] = []
for (const file of documentationFiles(root)) {
  const lines = readFileSync(join(root, file), 'utf8').split('\n')
  let fence: string | undefined
  lines.forEach((line, index) => {
    const f = /^ *(`{3,}|~{3,})/.exec(line)
    if (f) {
      if (!fence) fence = f[1]
      else if (f[1]!.startsWith(fence[0]!) && f[1]!.length >= fence.length) fence = undefined
      return
    }
    if (fence) return
    const code = line.replace(/`[^`]*`/g, '')
    // Inline links, and the definitions of reference-style ones (`[label]: path`).
    const hrefs = [
      ...[...code.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\)/g)].map((m) => m[1]!),
      ...[...code.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?/g)].map((m) => m[1]!),
    ]
    for (const href of hrefs) {
      let target: string
      let fragment: string | undefined
      const own = ownRepo.exec(href)
      if (own) {
        target = join(root, decodeURIComponent(own[1]!))
        fragment = own[2]
      } else if (/^[a-z][a-z0-9+.-]*:|^\/\//i.test(href)) continue
      else {
        const [path = '', frag] = href.split('#', 2)
        target = path
          ? resolve(dirname(join(root, file)), decodeURIComponent(path))
          : join(root, file)
        fragment = frag
      }
      checked++
      const where = `${file}:${index + 1}: ${href}`
      if (relative(root, target).startsWith('..')) broken.push(`${where} (outside the repository)`)
      else if (!existsSync(target)) broken.push(`${where} (no ${relative(root, target)})`)
      else if (fragment && target.endsWith('.md') && !anchors(target).has(fragment))
        broken.push(`${where} (no heading #${fragment} in ${relative(root, target)})`)
    }
  })
}
for (const line of broken) console.error(line)
console.log(`check-repo-links: ${checked} links checked, ${broken.length} broken`)
process.exit(broken.length ? 1 : 0)
