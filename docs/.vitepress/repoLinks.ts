// A markdown-it rule for the site: a relative link from a page to a file outside docs/ (a
// package README, CONTRIBUTING.md, an example) becomes a link to that file on GitHub, after
// checking that the file exists and, for a `#fragment` into Markdown, that the heading exists.
// A missing one throws, which fails `vitepress build` with the page and the link. Links between
// pages inside docs/ are VitePress's own (its dead-link check) and tools/check-site-links.ts's.
import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, relative, resolve, sep } from 'node:path'
import type { MarkdownRenderer } from 'vitepress'

export interface RepoLinksOptions {
  /** The repository's root directory. */
  repoRoot: string
  /** The site's source directory (docs/). */
  srcDir: string
  /** Where files are shown, e.g. https://github.com/tx402/tx402 */
  repoUrl: string
  /** The branch the links point at. Default `main`. */
  branch?: string
}

/**
 * GitHub's anchor for a heading's text (github-slugger): lower case, punctuation dropped, each
 * space a dash. The site uses it too, so a link written for GitHub (`protocol.md#4-verification`)
 * works on both; VitePress's own would prefix a leading digit with `_`.
 */
export function githubSlug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-')
}

/** The anchors of a Markdown file's headings on GitHub; a repeated one is suffixed -1, -2, …. */
export function githubAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>()
  const counts = new Map<string, number>()
  let fence: string | undefined
  for (const line of markdown.split('\n')) {
    const f = /^ {0,3}(`{3,}|~{3,})/.exec(line)
    if (f) {
      if (!fence) fence = f[1]
      else if (f[1]!.startsWith(fence[0]!) && f[1]!.length >= fence.length) fence = undefined
      continue
    }
    if (fence) continue
    const h = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)
    if (!h) continue
    const text = h[1]!
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1') // a link's text only
      .replace(/<[^>]+>/g, '')
      .replace(/[`*]/g, '')
    const base = githubSlug(text)
    const seen = counts.get(base) ?? 0
    counts.set(base, seen + 1)
    anchors.add(seen ? `${base}-${seen}` : base)
  }
  return anchors
}

/** Installs the rule on VitePress's markdown-it. */
export function repoLinks(md: MarkdownRenderer, options: RepoLinksOptions): void {
  const branch = options.branch ?? 'main'
  md.core.ruler.push('tx402_repo_links', (state) => {
    const page: string | undefined = state.env?.path
    if (!page) return
    for (const block of state.tokens) {
      for (const token of block.children ?? []) {
        if (token.type !== 'link_open') continue
        const href = token.attrGet('href')
        if (!href || /^[a-z][a-z0-9+.-]*:|^\/\/|^#|^\//i.test(href)) continue
        const [pathPart = '', fragment] = href.split('#', 2)
        const target = resolve(dirname(page), decodeURIComponent(pathPart))
        const inside = !relative(options.srcDir, target).startsWith('..')
        if (inside) continue
        const where = `${relative(options.repoRoot, page)}: link "${href}"`
        if (relative(options.repoRoot, target).startsWith('..'))
          throw new Error(`${where} leaves the repository`)
        if (!existsSync(target))
          throw new Error(`${where}: no file ${relative(options.repoRoot, target)}`)
        const isDir = statSync(target).isDirectory()
        if (fragment && !isDir && target.endsWith('.md')) {
          if (!githubAnchors(readFileSync(target, 'utf8')).has(fragment))
            throw new Error(
              `${where}: no heading #${fragment} in ${relative(options.repoRoot, target)}`,
            )
        }
        const path = relative(options.repoRoot, target).split(sep).join('/')
        token.attrSet(
          'href',
          `${options.repoUrl}/${isDir ? 'tree' : 'blob'}/${branch}/${path}${fragment ? `#${fragment}` : ''}`,
        )
      }
    }
  })
}
