import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { githubAnchors, githubSlug, repoLinks } from '../../../docs/.vitepress/repoLinks.js'
import { repoRoot } from './blocks.js'

const srcDir = join(repoRoot, 'docs')
const options = { repoRoot, srcDir, repoUrl: 'https://github.com/tx402/tx402' }

async function render(markdown: string): Promise<string> {
  // Loaded here so the flag is set first: under tsx, vite's entry warns that it runs as CJS.
  process.env.VITE_CJS_IGNORE_WARNING = 'true'
  const { createMarkdownRenderer } = await import('vitepress')
  const md = await createMarkdownRenderer(srcDir, {
    anchor: { slugify: githubSlug },
    config: (m) => repoLinks(m, options),
  })
  const path = join(srcDir, 'page.md')
  return md.render(markdown, { path, relativePath: 'page.md' })
}

describe('site links: files outside docs/ become GitHub links, checked first', () => {
  it('a link to a package README becomes its GitHub URL, with a heading that exists', async () => {
    const html = await render('[koa](../packages/koa/README.md) [core](../packages/core/)')
    assert.match(
      html,
      /href="https:\/\/github\.com\/tx402\/tx402\/blob\/main\/packages\/koa\/README\.md"/,
    )
    assert.match(html, /href="https:\/\/github\.com\/tx402\/tx402\/tree\/main\/packages\/core"/)
  })

  it('a link to a missing file or heading fails the render, naming the page and link', async () => {
    await assert.rejects(
      render('[x](../packages/nope/README.md)'),
      /page\.md: link "\.\.\/packages\/nope\/README\.md": no file/,
    )
    await assert.rejects(
      render('[x](../packages/koa/README.md#no-such-heading)'),
      /no heading #no-such-heading in packages\/koa\/README\.md/,
    )
  })

  it("headings get GitHub's anchors on the site, so links written for GitHub work", async () => {
    const html = await render(
      '## 4. Verification: what the server checks\n\n## `response_not_stored` twice\n',
    )
    assert.match(html, /id="4-verification-what-the-server-checks"/)
    assert.match(html, /id="response_not_stored-twice"/)
    const anchors = githubAnchors(readFileSync(join(repoRoot, 'docs/protocol.md'), 'utf8'))
    assert.ok(anchors.has('4-verification-what-the-server-checks'))
  })
})
