import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { parseEther } from 'viem'
import { type AnvilNode, startAnvil } from './startAnvil.js'

describe('startAnvil', function () {
  this.timeout(60_000)
  let node: AnvilNode

  before(async () => {
    node = await startAnvil({ chainId: 43114 })
  })
  after(() => node?.stop())

  it('serves the chain id on a loopback port, with funded accounts whose keys it returns', async () => {
    assert.match(node.rpcUrl, /^http:\/\/127\.0\.0\.1:\d+$/)
    assert.equal(await node.publicClient.getChainId(), 43114)
    const served = (await node.testClient.request({ method: 'eth_accounts' } as never)) as string[]
    assert.deepEqual(
      served.map((address) => address.toLowerCase()),
      node.accounts.map((account) => account.address.toLowerCase()),
    )
    assert.equal(await node.publicClient.getBalance(node.accounts[1]!), parseEther('10000'))
    // The returned key really controls the account: a transfer signed locally goes through.
    const hash = await node.wallet(1).sendTransaction({ to: node.accounts[2]!.address, value: 1n })
    const receipt = await node.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 })
    assert.equal(receipt.from, node.accounts[1]!.address.toLowerCase())
  })

  it('stops the node when the process that started it is killed', async () => {
    const module = fileURLToPath(new URL('./startAnvil.ts', import.meta.url))
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `const { startAnvil } = await import(${JSON.stringify(module)})
         const node = await startAnvil()
         console.log(node.rpcUrl)
         setInterval(() => {}, 1000)`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    const [line] = (await once(child.stdout, 'data')) as [Buffer]
    const rpcUrl = line.toString().trim()
    const chainId = () =>
      fetch(rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      })
    assert.equal((await chainId()).status, 200)
    child.kill('SIGKILL')
    await once(child, 'exit')
    let stopped = false
    for (let attempt = 0; attempt < 100 && !stopped; attempt++) {
      stopped = await chainId().then(
        () => false,
        () => true,
      )
      if (!stopped) await new Promise((resolve) => setTimeout(resolve, 50))
    }
    assert.ok(stopped, `anvil at ${rpcUrl} outlived the process that started it`)
  })
})
