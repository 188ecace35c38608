import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { allBlocks, type DocBlock, extractBlocks, repoRoot } from './blocks.js'
import { runGroup } from './runGroup.js'

const fixture = (name: string) => {
  const file = `tools/doc-blocks/src/fixtures/${name}`
  return extractBlocks(file, readFileSync(join(repoRoot, file), 'utf8'))
}

/** The documentation's run groups: page and name -> blocks in page order. */
function runGroups(blocks: DocBlock[]): Map<string, DocBlock[]> {
  const groups = new Map<string, DocBlock[]>()
  for (const block of blocks) {
    if (!block.run) continue
    const key = `${block.file} run=${block.run}`
    groups.set(key, [...(groups.get(key) ?? []), block])
  }
  return groups
}

describe('documentation programs run against local chains (run=NAME blocks)', function () {
  this.timeout(600_000)

  for (const [name, blocks] of runGroups(allBlocks())) {
    it(`${name}: ${blocks.length} programs, each as the page shows it`, async () => {
      await runGroup(blocks)
    })
  }

  it('the Quick start page marks its server and payer as run=quick-start', function () {
    const page = extractBlocks(
      'docs/quick-start.md',
      readFileSync(join(repoRoot, 'docs/quick-start.md'), 'utf8'),
    )
    // A title-only placeholder (while the page is written on another branch) has no blocks.
    if (page.length === 0) this.skip()
    const runs = page.filter((b) => b.run === 'quick-start')
    assert.ok(runs.length >= 2, 'expected a server and a payer block tagged run=quick-start')
    assert.ok(
      runs.some((b) => b.tags.includes('serve')),
      'the server block needs the serve tag',
    )
  })

  it('a paid route and its payer: the payer gets 200, a call without payment 402', async () => {
    const outputs = await runGroup(fixture('paid-call.md'))
    assert.match(outputs[1]!.stdout, /^200 \{\s+forecast: 'sunny',\s+paidBy: '0x[0-9a-fA-F]{40}'/)
    assert.match(outputs[2]!.stdout, /^402$/m)
  })

  it("a program that does not print its expect= text fails, naming the page's line", async () => {
    await assert.rejects(runGroup(fixture('failing.md')), (error: Error) => {
      assert.match(
        error.message,
        /^tools\/doc-blocks\/src\/fixtures\/failing\.md:4 \(run=failing\): did not print "200"/,
      )
      return true
    })
  })
})
