import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const demoScript = fileURLToPath(new URL('./demo.ts', import.meta.url))

function anvilProcesses(): string[] {
  try {
    return execFileSync('pgrep', ['-f', 'anvil'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
  } catch {
    return [] // pgrep exits 1 when nothing matches
  }
}

describe('pnpm demo', function () {
  this.timeout(180_000)

  it('pays on Base, Avalanche and Solana, gets 200 on each, refuses each replay, exits 0 and leaves no process', async () => {
    const before = new Set(anvilProcesses())
    const child = spawn(process.execPath, ['--import', 'tsx', demoScript], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk) => {
      output += chunk
    })
    child.stderr.on('data', (chunk) => {
      output += chunk
    })
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
    assert.equal(code, 0, output)
    for (const chain of ['Base', 'Avalanche', 'Solana']) {
      const section = output.split(`[${chain}]`)[1]?.split('\n[')[0] ?? ''
      assert.match(section, /← 402 payment_required: 0\.01 USDC/, `${chain}: challenge`)
      assert.match(section, /↗ transaction sent/, `${chain}: sent`)
      assert.match(section, /✓ confirmed/, `${chain}: confirmed`)
      assert.match(section, /★ 200 \{"city":"Lisbon"/, `${chain}: served`)
      assert.match(
        section,
        /↺ replaying the same transaction: 402 tx_already_used/,
        `${chain}: replay`,
      )
    }
    assert.match(output, /every chain paid once and served 200/)
    const leftover = anvilProcesses().filter((pid) => !before.has(pid))
    assert.deepEqual(leftover, [], 'the demo stopped its anvil nodes')
  })
})
