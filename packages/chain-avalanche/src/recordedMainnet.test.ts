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
import { avalanche } from './avalanche.js'

type RpcLog = {
  transactionHash: string
  blockHash: string
  blockNumber: string
  transactionIndex: string
}

const swapTx = '0x5b4d950e3aad5c482447592a6620293e271f782f4c65bffb5b5acfc65325cf85'
const usdcRecipient = '0x7c13d4c3e9dfa683e7a5792a9ff20cb5fd22b0c0'
const usdcSender = '0x3b3e4b4741e91af52d0e9ad8660573e951c88524'
/** Receives the USDC.e (bridged, 0xa7d7…c664) Transfer of the same transaction. */
const usdcERecipient = '0x2c3601fe09c23df8beb8216298d1502c985e376f'
const usdcAmount = 0x04b22a88n

/**
 * Recorded Avalanche C-Chain data (../shared/fixtures/evm) served over loopback JSON-RPC. The logs
 * and the Approval receipt are as recorded; what the recordings lack is filled in and marked:
 * the receipt of the swap is assembled from its recorded logs (status success: a reverted
 * transaction emits no logs), and the block time and head are made up, so the age check is off.
 */
describeWithFixtures('avalanche() on recorded mainnet data', () => {
  let server: JsonRpcServer
  const madeUpBlockTime = '0x64000000'

  before(async () => {
    const { result: logs } = readFixture<{ result: RpcLog[] }>(
      'evm/avalanche-mainnet-getlogs-block-0x1d612e6.json',
    )
    const swapLogs = logs.filter((log) => log.transactionHash === swapTx)
    const { blockHash, blockNumber, transactionIndex } = swapLogs[0]!
    const { result: approval } = readFixture<{ result: Record<string, unknown> }>(
      'evm/avalanche-mainnet-receipt-approval-only.json',
    )
    server = await serveJsonRpc(
      recordedChain({
        chainId: 43114,
        head: BigInt(blockNumber) + 10n,
        receipts: [
          {
            transactionHash: swapTx,
            blockHash,
            blockNumber,
            transactionIndex,
            status: '0x1',
            logs: swapLogs,
          },
          approval,
        ],
        blocks: [
          { hash: blockHash, number: blockNumber, timestamp: madeUpBlockTime, transactions: [] },
        ],
      }),
    )
  })
  after(() => server?.close())

  const verify = async (
    payTo: string,
    txId: string,
    amount = usdcAmount,
    assets?: Parameters<typeof avalanche>[0]['assets'],
  ): Promise<{ result: VerifyResult; verdict: string; trips: string[][] }> => {
    const chain = avalanche({ rpcUrl: server.url, payTo, maxAgeSeconds: 0, assets })
    await chain.ready()
    const before = server.requests.length
    const requirement = { asset: chain.assets[0]!, amount, payTo: chain.payTo, maxAgeSeconds: 0 }
    const result = await chain.verify({ txId: chain.normalizeTxId(txId), requirement })
    const trips = server.requests.slice(before).map((methods) => [...methods].sort())
    return { result, verdict: await judgeReport(result, { requirement }), trips }
  }
  const reason = async (...args: Parameters<typeof verify>) => (await verify(...args)).verdict

  it('accepts the USDC Transfer to its recipient, in two round trips when logs carry no block time', async () => {
    const { result, verdict, trips } = await verify(usdcRecipient, swapTx)
    assert.equal(verdict, 'confirmed')
    assert.deepEqual(result, {
      status: 'confirmed',
      payer: getAddress(usdcSender),
      amount: usdcAmount,
      received: usdcAmount,
      blockTime: Number(madeUpBlockTime),
      confirmations: 11,
    })
    assert.deepEqual(trips, [
      ['eth_blockNumber', 'eth_chainId', 'eth_getTransactionReceipt'],
      ['eth_getBlockByHash'],
    ])
  })

  it('asks for no more than was paid: one base unit more is insufficient', async () => {
    assert.equal(
      await reason(usdcRecipient, swapTx.toUpperCase().slice(2), usdcAmount + 1n),
      'insufficient_amount',
    )
  })

  it('never counts the USDC.e Transfer of the same transaction as USDC', async () => {
    assert.equal(await reason(usdcERecipient, swapTx, 1n), 'wrong_asset')
  })

  it('does not take an Approval-only receipt as a payment, even of the approved token to the spender', async () => {
    const approvalTx = '0x22dc79ee594717cf14a20f125906b658d88f595a4409afb71fd85dc0cb7c180c'
    const spender = '0xe54ca86531e17ef3616d22ca28b0d458b6c89106'
    assert.equal(await reason(spender, approvalTx, 1n), 'wrong_asset')
    const approved = await reason(spender, approvalTx, 1n, [
      {
        standard: 'erc20',
        address: '0x625fc9bb971bb305a2ad63252665dcfe9098bee9',
        symbol: 'TKN',
        decimals: 18,
      },
    ])
    assert.equal(approved, 'wrong_asset')
  })
})
