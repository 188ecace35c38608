// The documentation site (pnpm docs:dev / pnpm docs:build). VitePress because it builds the
// Markdown in docs/ as it is (the same files read on GitHub), its pages need no Vue or React
// code, a dead internal link fails the build by default, local search is built in, and it is
// one small, well-kept dependency. The API reference (docs/api/) is generated from the packages'
// TSDoc by tools/docs-api.ts before each build; it is not committed.
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type DefaultTheme, defineConfig } from 'vitepress'
import { githubSlug, repoLinks } from './repoLinks.js'

const srcDir = fileURLToPath(new URL('..', import.meta.url))
const repoRoot = resolve(srcDir, '..')
const repoUrl = 'https://github.com/tx402/tx402'

function apiSidebar(): DefaultTheme.SidebarItem[] {
  const file = resolve(srcDir, 'api/typedoc-sidebar.json')
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : []
}

export default defineConfig({
  title: 'tx402',
  description: 'Charge per request in crypto on any Node API, verified from the chain',
  lang: 'en-US',
  cleanUrls: false,
  lastUpdated: false,
  // Every internal link must resolve (VitePress's default; kept explicit).
  ignoreDeadLinks: false,
  // The local search index (every API page) is one chunk of about 1 MB, loaded on first search.
  vite: { build: { chunkSizeWarningLimit: 2048 } },
  markdown: {
    // GitHub's heading anchors, so the same Markdown links work on GitHub and here.
    anchor: { slugify: githubSlug },
    config: (md) => repoLinks(md, { repoRoot, srcDir, repoUrl }),
  },
  themeConfig: {
    nav: [
      { text: 'Guide', link: '/quick-start' },
      { text: 'API reference', link: '/api/' },
    ],
    // The API reference's hundreds of entries show on its own pages only.
    sidebar: {
      '/api/': [
        { text: 'Guide', link: '/quick-start' },
        { text: 'API reference', link: '/api/', items: apiSidebar() },
      ],
      '/': [
        {
          text: 'Guide',
          items: [
            { text: 'Quick start', link: '/quick-start' },
            { text: 'Paying as an agent', link: '/paying-as-an-agent' },
            { text: 'Prepaid credit', link: '/prepaid-credit' },
            { text: 'From local to testnet to mainnet', link: '/local-to-mainnet' },
            { text: 'Operations', link: '/operations' },
            { text: 'Security model', link: '/security-model' },
          ],
        },
        {
          text: 'Reference',
          items: [
            { text: 'Protocol', link: '/protocol' },
            { text: 'Architecture', link: '/architecture' },
            { text: 'API reference', link: '/api/' },
          ],
        },
      ],
    },
    search: { provider: 'local' },
    socialLinks: [{ icon: 'github', link: repoUrl }],
    outline: { level: [2, 3] },
  },
})
