// Checks the built site (docs/.vitepress/dist) after `vitepress build`: every link from a page
// to the site itself must reach a file that exists and, with a #fragment, an element with that
// id. VitePress's own check covers missing pages but not fragments; this covers both, for the
// guide and the generated API reference alike. Exit 1 with file: href for each broken link.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, posix, relative, resolve } from 'node:path'

const dist = resolve(import.meta.dirname, '../docs/.vitepress/dist')
if (!existsSync(dist)) {
  console.error(`check-site-links: ${dist} does not exist; run vitepress build docs first`)
  process.exit(1)
}

const pages: string[] = []
const walk = (dir: string) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) walk(path)
    else if (entry.name.endsWith('.html')) pages.push(path)
  }
}
walk(dist)

const decode = (s: string) =>
  s
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')

const idCache = new Map<string, Set<string>>()
function idsOf(file: string): Set<string> {
  let ids = idCache.get(file)
  if (!ids) {
    ids = new Set()
    for (const m of readFileSync(file, 'utf8').matchAll(/\sid="([^"]*)"/g)) ids.add(decode(m[1]!))
    idCache.set(file, ids)
  }
  return ids
}

/** The file in dist a site path names, as VitePress serves it (cleanUrls off). */
function fileFor(sitePath: string): string | undefined {
  const path = join(dist, decodeURIComponent(sitePath))
  for (const candidate of [path, `${path}.html`, join(path, 'index.html')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate
  }
  return undefined
}

let links = 0
const broken: string[] = []
for (const page of pages) {
  const html = readFileSync(page, 'utf8')
  const pagePath = `/${relative(dist, page).split('\\').join('/')}`
  for (const m of html.matchAll(/<a\s[^>]*?href="([^"]*)"/g)) {
    const href = decode(m[1]!)
    if (!href || /^[a-z][a-z0-9+.-]*:|^\/\//i.test(href)) continue
    links++
    const [pathAndQuery = '', fragment] = href.split('#', 2)
    const path = pathAndQuery.split('?')[0]!
    const target = path
      ? fileFor(path.startsWith('/') ? path : posix.join(posix.dirname(pagePath), path))
      : page
    if (!target) broken.push(`${pagePath}: ${href} (no such page)`)
    else if (
      fragment &&
      target.endsWith('.html') &&
      !idsOf(target).has(decodeURIComponent(fragment))
    )
      broken.push(`${pagePath}: ${href} (no #${fragment} on that page)`)
  }
}
for (const line of broken) console.error(line)
console.log(
  `check-site-links: ${pages.length} pages, ${links} internal links, ${broken.length} broken`,
)
process.exit(broken.length ? 1 : 0)
