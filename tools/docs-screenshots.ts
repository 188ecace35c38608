// Screenshots of the built site for a reviewer: serves docs/.vitepress/dist with `vitepress
// preview`, opens the Quick start page and an API reference page in Debian's headless Chromium
// and writes PNGs outside git. Usage: pnpm docs:build && pnpm docs:screenshots [OUT_DIR]
// (default docs/.vitepress/screenshots, gitignored, or $DOCS_SHOTS_DIR).
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { createServer } from 'node:net'
import { join, resolve } from 'node:path'
import { chromium } from 'playwright-core'

const root = resolve(import.meta.dirname, '..')
const outDir = resolve(
  process.argv[2] ?? process.env.DOCS_SHOTS_DIR ?? join(root, 'docs/.vitepress/screenshots'),
)
const chromiumPath = '/usr/bin/chromium'
const pages = [
  { name: 'home', path: '/' },
  { name: 'quick-start', path: '/quick-start.html' },
  { name: 'api-paymentRequired', path: '/api/@tx402/koa/functions/paymentRequired.html' },
]

if (!existsSync(join(root, 'docs/.vitepress/dist/index.html'))) {
  console.error('docs-screenshots: build the site first (pnpm docs:build)')
  process.exit(1)
}
if (!existsSync(chromiumPath)) {
  console.error(`docs-screenshots: ${chromiumPath} is missing (apt-get install chromium)`)
  process.exit(1)
}

const port = await new Promise<number>((done, fail) => {
  const probe = createServer()
  probe.once('error', fail)
  probe.listen(0, '127.0.0.1', () => {
    const { port } = probe.address() as { port: number }
    probe.close(() => done(port))
  })
})
const preview = spawn(
  process.execPath,
  [
    join(root, 'node_modules/vitepress/bin/vitepress.js'),
    'preview',
    'docs',
    '--port',
    String(port),
  ],
  { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
)
const origin = `http://localhost:${port}`
try {
  for (let i = 0; ; i++) {
    const up = await fetch(origin).then(
      (r) => r.ok,
      () => false,
    )
    if (up) break
    if (i === 100 || preview.exitCode !== null) throw new Error('vitepress preview did not start')
    await new Promise((r) => setTimeout(r, 200))
  }
  mkdirSync(outDir, { recursive: true })
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
  })
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    for (const { name, path } of pages) {
      const response = await page.goto(`${origin}${path}`, { waitUntil: 'networkidle' })
      if (!response?.ok()) throw new Error(`${path} answered ${response?.status()}`)
      const file = join(outDir, `${name}.png`)
      await page.screenshot({ path: file, fullPage: false })
      console.log(`docs-screenshots: ${path} -> ${file}`)
    }
  } finally {
    await browser.close()
  }
} finally {
  preview.kill('SIGTERM')
}
