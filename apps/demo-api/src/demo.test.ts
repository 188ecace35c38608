import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { connect } from 'node:net'
import { fileURLToPath } from 'node:url'

const demoScript = fileURLToPath(new URL('./demo.ts', import.meta.url))

/** True when something still accepts connections on the port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

describe('pnpm demo', function () {
  this.timeout(180_000)

  it('pays on Base, Avalanche and Solana, gets 200 on each, refuses each replay, spends a credit pack, exits 0 and leaves no process', async () => {
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
        /↺ replaying the same transaction as an observer .*: 402 (proof_invalid|challenge_invalid)/,
        `${chain}: replay`,
      )
    }
    assert.match(output, /every chain paid once and served 200/)
    const credit = output.split('[credit on Base]')[1] ?? ''
    assert.equal(credit.match(/✎ signed a transfer of 0\.05 USDC/g)?.length, 2, 'a pack, a top-up')
    assert.equal(credit.match(/with x-payment-credit \(no payment on chain\)/g)?.length, 4)
    assert.match(credit, /call 5: 200 .*\(from credit\): 0 USDC left/)
    assert.match(credit, /with x-payment-tx and x-payment-credit \(a top-up/)
    assert.match(credit, /call 6: 200 .*: 0\.04 USDC left/)
    assert.match(output, /one pack paid for 5 calls on Base; the 6th topped it up/)
    // Its anvil nodes, Solana RPC and API printed their URLs: none may still listen.
    const ports = [...output.matchAll(/http:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]))
    assert.ok(
      new Set(ports).size >= 4,
      `expected the chains' and the API's URLs in the output:\n${output}`,
    )
    for (const port of new Set(ports))
      assert.equal(await listening(port), false, `port ${port} still open`)
  })
})
