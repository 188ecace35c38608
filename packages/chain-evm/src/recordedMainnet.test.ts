import assert from 'node:assert/strict'
import type { VerifyResult } from '@tx402/core'
import { judgeReport } from '@tx402/core/testing'
import {
  describeWithFixtures,
  type JsonRpcServer,
  readFixture,
  recordedChain,
  serveJsonRpc,
} from '@tx402/testing/evm'
import { getAddress } from 'viem'
import { evmChain } from './evmChain.js'

const bundleTx = '0x4a6702f8ef5b7754f5b54dfb00ccba181603e3a6fff77c93e7d0d40148f09ad0'
const usdc = {
  standard: 'erc20',
  address: '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48',
  symbol: 'USDC',
  decimals: 6,
} as const
const recipient = '0x3c170744609c21c313473e3811563073c850c9f5'
const router = '0x1231deb6f5749ef6ce6943a275a1d3e7486f4eae'
const entryPoint = '0x0000000071727de22e5e9d8baf0edac6f37da032'

/**
 * A recorded Ethereum mainnet ERC-4337 bundle: the transaction goes from a bundler to the
 * EntryPoint, and a router inside the user operation moves the USDC. Transaction and receipt are
 * served as recorded; the block time is made up, so the age check is off.
 */
describeWithFixtures('evmChain on a recorded ERC-4337 bundle', () => {
  let server: JsonRpcServer

  before(async () => {
    const { transaction, receipt } = readFixture<{
      transaction: Record<string, string>
      receipt: Record<string, unknown>
    }>('evm/ethereum-mainnet-erc4337-bundle-usdc.json')
    server = await serveJsonRpc(
      recordedChain({
        chainId: 1,
        head: BigInt(transaction.blockNumber!) + 64n,
        receipts: [receipt],
        transactions: [transaction],
        blocks: [
          {
            hash: transaction.blockHash,
            number: transaction.blockNumber,
            timestamp: '0x66000000',
            transactions: [],
          },
        ],
      }),
    )
  })
  after(() => server?.close())

  const verify = async (payTo: string): Promise<{ result: VerifyResult; verdict: string }> => {
    const chain = evmChain({
      name: 'ethereum',
      network: 'eip155:1',
      rpcUrls: [server.url],
      payTo,
      assets: [usdc],
      confirmations: 12,
    })
    const requirement = { asset: usdc, amount: 9_947_573n, payTo: chain.payTo, maxAgeSeconds: 0 }
    const result = await chain.verify({ txId: bundleTx, requirement })
    return { result, verdict: await judgeReport(result, { requirement }) }
  }

  it('counts the USDC a router moved inside the user operation, paid by the router', async () => {
    const { result, verdict } = await verify(recipient)
    assert.equal(verdict, 'confirmed')
    assert.deepEqual(result, {
      status: 'confirmed',
      payer: getAddress(router),
      amount: 9_947_573n,
      received: 9_947_573n,
      blockTime: 0x66000000,
      confirmations: 65,
    })
  })

  it('never takes the transaction’s own recipient (the EntryPoint) as the payee', async () => {
    assert.equal((await verify(entryPoint)).verdict, 'wrong_recipient')
  })
})
