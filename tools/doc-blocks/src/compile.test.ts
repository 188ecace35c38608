import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { extractBlocks, toModules, uncheckedScriptBlocks } from './blocks.js'
import { compileModules, scratchDir } from './compile.js'

const page = [
  '# A page', //                                         1
  '', //                                                 2
  '```ts', //                                            3
  "import { paymentRequired } from '@tx402/koa'", //     4
  'const mw: Function = paymentRequired', //             5
  '```', //                                              6
  '', //                                                 7
  '- in a list:', //                                     8
  '  ```typescript', //                                  9
  "  const price: bigint = '0.01'", //                  10
  '  ```', //                                           11
  '', //                                                12
  '```ts no-check', //                                  13
  'this is not TypeScript', //                          14
  '```', //                                             15
  '', //                                                16
  '```ts group=flow', //                                17
  "import { embeddedLedger } from '@tx402/ledger'", //  18
  "const ledger = embeddedLedger({ dataDir: 'x' })", // 19
  '```', //                                             20
  '```ts group=flow', //                                21
  "import { embeddedLedger } from '@tx402/ledger'", //  22
  'const n: number = ledger', //                        23
  '```', //                                             24
  '```sh', //                                           25
  'npm test', //                                        26
  '```', //                                             27
].join('\n')

describe('doc blocks: extracted, compiled against the workspace, errors at the Markdown line', function () {
  this.timeout(120_000)
  const dir = join(scratchDir, `compile-test-${process.pid}`)
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('finds the TypeScript blocks with their tags, indented ones too, and no other language', () => {
    const blocks = extractBlocks('docs/page.md', page)
    assert.deepEqual(
      blocks.map((b) => [b.line, b.noCheck, b.group]),
      [
        [4, false, undefined],
        [10, false, undefined],
        [14, true, undefined],
        [18, false, 'flow'],
        [22, false, 'flow'],
      ],
    )
    assert.equal(blocks[1]!.code, "const price: bigint = '0.01'")
  })

  it("reads VitePress's info strings: line highlights, line numbers, a title, a blockquote", () => {
    const md = [
      '```ts{2}', //                      1
      'const a: number = 1', //           2
      '```', //                           3
      '```ts:line-numbers {1}', //        4
      'const b: number = 1', //           5
      '```', //                           6
      '```ts [server.ts] group=g', //     7
      'const c: number = 1', //           8
      '```', //                           9
      '> ```ts', //                      10
      '> const d: number = 1', //        11
      '> ```', //                        12
    ].join('\n')
    const blocks = extractBlocks('docs/page.md', md)
    assert.deepEqual(
      blocks.map((b) => [b.line, b.code, b.group]),
      [
        [2, 'const a: number = 1', undefined],
        [5, 'const b: number = 1', undefined],
        [8, 'const c: number = 1', 'g'],
        [11, 'const d: number = 1', undefined],
      ],
    )
  })

  it('names every JavaScript or TSX block it does not compile, unless marked no-check', () => {
    const md = ['```js', 'x', '```', '```tsx', 'x', '```', '```js no-check', 'x', '```'].join('\n')
    assert.deepEqual(
      uncheckedScriptBlocks('docs/page.md', md).map((b) => [b.line, b.lang]),
      [
        [2, 'js'],
        [5, 'tsx'],
      ],
    )
  })

  it('reports each type error at its file:line; a repeated import in a group is kept once', () => {
    const errors = compileModules(toModules(extractBlocks('docs/page.md', page)), dir)
    assert.deepEqual(
      errors.map((e) => `${e.file}:${e.line}: ${e.message.split(':')[0]}`),
      ['docs/page.md:10: TS2322', 'docs/page.md:23: TS2322'],
    )
  })
})
