import assert from 'node:assert/strict'
import type { VerifyContext, VerifyResult } from '@tx402/core'
import {
  type AnvilNode,
  deploySmartWallet,
  forwardJsonRpc,
  type JsonRpcServer,
  serveJsonRpc,
  smartWalletAbi,
  startAnvil,
} from '@tx402/testing/evm'
import { type Address, type Hash, type Hex, parseEther } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { evmChain } from './evmChain.js'

const eth = { standard: 'native', symbol: 'ETH', decimals: 18 } as const
const price = 1000n

// Native coin counted from the call trace: only calls that did not revert, and no enclosing call
// that reverted; traced only when the top-level value does not already pay.
describe('native coin moved inside a transaction (anvil call traces)', function () {
  this.timeout(60_000)
  let node: AnvilNode
  let proxy: JsonRpcServer
  let wallet: Address
  const owner = 1

  before(async () => {
    node = await startAnvil({ chainId: 8453 })
    proxy = await serveJsonRpc(forwardJsonRpc(node.rpcUrl))
    wallet = await deploySmartWallet(node, node.accounts[owner]!.address)
    await mined(await node.wallet(owner).sendTransaction({ to: wallet, value: parseEther('1') }))
  })
  after(async () => {
    await proxy?.close()
    await node?.stop()
  })

  const mined = (hash: Hash) => node.publicClient.waitForTransactionReceipt({ hash })
  const fresh = () => privateKeyToAccount(generatePrivateKey()).address
  const verify = async (payTo: Address, txId: Hash): Promise<VerifyResult> => {
    const chain = evmChain({
      name: 'base',
      network: 'eip155:8453',
      rpcUrls: [proxy.url],
      payTo,
      assets: [eth],
    })
    await chain.ready()
    const context: VerifyContext = {
      txId,
      requirement: { asset: eth, amount: price, payTo, maxAgeSeconds: 0 },
    }
    const before = proxy.requests.length
    const result = await chain.verify(context)
    trips = proxy.requests.slice(before)
    return result
  }
  let trips: string[][] = []

  it('counts a SmartWallet execute(payTo, price), credited to the wallet, in a second round trip', async () => {
    const payTo = fresh()
    const hash = await node.wallet(owner).writeContract({
      address: wallet,
      abi: smartWalletAbi,
      functionName: 'execute',
      args: [payTo, price, '0x'],
    })
    await mined(hash)
    const result = await verify(payTo, hash)
    assert.equal(result.status, 'confirmed')
    assert.ok(result.status === 'confirmed')
    assert.equal(result.payer, wallet)
    assert.equal(result.amount, price)
    assert.equal(trips.length, 2)
    assert.ok(trips[1]!.includes('debug_traceTransaction'))
  })

  it('asks no trace for a top-level transfer that covers the price: one round trip', async () => {
    const payTo = fresh()
    const hash = await node.wallet(owner).sendTransaction({ to: payTo, value: price })
    await mined(hash)
    const result = await verify(payTo, hash)
    assert.ok(result.status === 'confirmed')
    assert.equal(result.amount, price)
    assert.equal(trips.length, 1)
    assert.ok(!trips.flat().some((method) => /^(debug|trace)_/.test(method)))
  })

  it('counts nothing a reverted call sent, even through calls that did not revert themselves', async () => {
    // inner: sends its value to payTo, then reverts; outer: calls inner with its value and goes
    // on. The trace shows a CALL of `price` to payTo without an error of its own.
    const payTo = fresh()
    const inner = '0x000000000000000000000000000000000000a11c' as Address
    const outer = '0x000000000000000000000000000000000000b0b0' as Address
    await node.testClient.setCode({ address: inner, bytecode: callWithValue(payTo, true) })
    await node.testClient.setCode({ address: outer, bytecode: callWithValue(inner, false) })
    const hash = await node
      .wallet(owner)
      .sendTransaction({ to: outer, value: price, gas: 200_000n })
    assert.equal((await mined(hash)).status, 'success')
    assert.equal(await node.publicClient.getBalance({ address: payTo }), 0n)
    const result = await verify(payTo, hash)
    assert.ok(result.status === 'confirmed')
    assert.equal(result.amount, 0n)
    assert.equal(result.mismatch, 'recipient')
  })
})

// Runtime code that CALLs `target` with all of its call value and no data, then stops, or
// reverts when `revert` (hand-assembled: PUSH1 0 x4, CALLVALUE, PUSH20 target, GAS, CALL, POP).
function callWithValue(target: Address, revert: boolean): Hex {
  const call = `60006000600060003473${target.slice(2).toLowerCase()}5af150`
  return `0x${call}${revert ? '60006000fd' : '00'}`
}
