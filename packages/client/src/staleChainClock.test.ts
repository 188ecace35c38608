import assert from 'node:assert/strict'
import { base } from '@tx402/chain-base'
import { headerNames, proofMessage } from '@tx402/core/protocol'
import { erc20Abi } from 'viem'
import { type EvmEnv, startEvmEnv } from './test/evmEnv.js'
import { type PaidApp, startPaidApp } from './test/paidApp.js'

const threeDays = 3 * 24 * 3600

/**
 * The chain's clock offset is a tolerance for drift, not a new frame of any size: an RPC whose
 * head is days old (a stalled node, a load balancer's stale backend; anvil stamping its blocks
 * three days early here) must not make a transfer three days old look fresh. On main after the
 * merge the engine took the offset (-3 days) as it came, and such a transfer, sent for something
 * else long ago, was served.
 */
describe('freshness: a chain clock days behind is not taken as the frame (anvil, real HTTP)', function () {
  this.timeout(60_000)
  let env: EvmEnv
  let app: PaidApp | undefined

  before(async () => {
    env = await startEvmEnv(8453)
    await env.node.testClient.request({
      method: 'anvil_setTime' as never,
      params: [Math.floor(Date.now() / 1000) - threeDays] as never,
    })
  })
  after(async () => {
    await app?.stop()
    await env?.stop()
  })

  it('a transfer stamped three days ago, presented with its proof, is tx_too_old', async () => {
    const payTo = env.freshPayTo()
    // A transfer made long ago for something else (stamped three days back by the chain).
    const hash = await env.walletClient.writeContract({
      address: env.usdc,
      abi: erc20Abi,
      functionName: 'transfer',
      args: [payTo, 10_000n],
    })
    const receipt = await env.publicClient.waitForTransactionReceipt({ hash })
    const { timestamp } = await env.publicClient.getBlock({ blockNumber: receipt.blockNumber })
    assert.ok(Number(timestamp) < Date.now() / 1000 - threeDays + 600, 'stamped three days back')

    const chain = base({
      rpcUrl: env.node.rpcUrl,
      payTo,
      assets: [{ standard: 'erc20', address: env.usdc, symbol: 'USDC', decimals: 6 }],
    })
    app = await startPaidApp({ chains: [chain] })
    const proof = await env.payer.signProof(
      proofMessage({ network: 'eip155:8453', txId: hash, challengeId: undefined }),
    )
    const present = async () => {
      const response = await fetch(app!.url, {
        headers: {
          [headerNames.tx]: hash,
          [headerNames.chain]: 'base',
          [headerNames.proof]: proof,
        },
      })
      return { status: response.status, body: (await response.json()) as { error?: string } }
    }
    // Until confirmed (the background miner adds the confirmations), then once more: the
    // second judgment comes after the clock was sampled from that verification's batch.
    let answer = await present()
    for (let tries = 0; answer.body.error === 'payment_pending' && tries < 50; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 200))
      answer = await present()
    }
    for (const judged of [answer, await present()]) {
      assert.equal(judged.status, 402, JSON.stringify(judged.body))
      assert.equal(judged.body.error, 'tx_too_old')
    }
  })
})
