import assert from 'node:assert/strict'
import { describeWithFixtures, readFixture } from '@tx402/testing/evm'
import { type Address, formatLog, getAddress, type Log, type RpcLog } from 'viem'
import { readTransferLogs } from './readTransferLogs.js'

describeWithFixtures('readTransferLogs', () => {
  // Real Avalanche C-Chain logs (../shared/fixtures/evm); see recordedMainnet.test.ts in
  // @tx402/chain-avalanche for the same data served over JSON-RPC.
  const { result: rpcLogs } = readFixture<{ result: RpcLog[] }>(
    'evm/avalanche-mainnet-getlogs-block-0x1d612e6.json',
  )
  const swap = rpcLogs
    .filter(
      (log) =>
        log.transactionHash ===
        '0x5b4d950e3aad5c482447592a6620293e271f782f4c65bffb5b5acfc65325cf85',
    )
    .map((log) => formatLog(log) as Log)
  const usdc = '0xB97EF9Ef8734C71904D8002F8b6Bc66Dd9c48a6E' as Address
  const payTo = '0x7C13d4c3E9dFA683e7A5792a9FF20cb5Fd22B0C0' as Address
  const expected = { token: usdc, payTo }
  const usdcTransfer = swap.find(
    (log) => log.address === usdc.toLowerCase() && log.topics[0]?.startsWith('0xddf252ad'),
  )!

  it('counts a Transfer from the asset contract to payTo, comparing addresses not strings', () => {
    const facts = readTransferLogs(swap, expected)
    assert.equal(facts.received, 0x04b22a88n)
    assert.deepEqual(facts.transfers, [
      { payer: getAddress('0x3b3e4b4741e91af52d0e9ad8660573e951c88524'), amount: 0x04b22a88n },
    ])
    assert.equal(facts.mismatch, undefined)
  })

  it('ignores a Transfer-topic log with a fourth topic (the ERC-721 shape)', () => {
    const nft = { ...usdcTransfer, topics: [...usdcTransfer.topics, `0x${'0'.repeat(63)}1`] } as Log
    assert.equal(readTransferLogs([nft], expected).received, 0n)
  })

  it('ignores a Transfer whose data is not exactly 32 bytes', () => {
    const padded = { ...usdcTransfer, data: `${usdcTransfer.data}${'0'.repeat(64)}` } as Log
    const short = { ...usdcTransfer, data: usdcTransfer.data.slice(0, 40) } as Log
    assert.equal(readTransferLogs([padded], expected).received, 0n)
    assert.equal(readTransferLogs([short], expected).received, 0n)
  })

  it('ignores a log the node marks removed', () => {
    assert.equal(readTransferLogs([{ ...usdcTransfer, removed: true }], expected).received, 0n)
  })

  it('does not count zero-value Transfers to payTo', () => {
    // 0xe19a…f21c emits zero-value Transfers to 0x4127…e1be in the same block.
    const facts = readTransferLogs(swap, {
      token: '0xe19a1684873fab5fb694cfd06607100a632ff21c',
      payTo: '0x412742dc0cc4205d590c5cd5e1056f6b46e8e1be',
    })
    assert.equal(facts.received, 0n)
    assert.equal(facts.mismatch, 'recipient')
  })

  it('reports the asset as the mismatch when another token reached payTo and the asset went elsewhere', () => {
    // The USDC.e Transfer reaches 0x2c36…376f while USDC itself went to 0x7c13…b0c0.
    const facts = readTransferLogs(swap, {
      ...expected,
      payTo: '0x2c3601fe09c23df8beb8216298d1502c985e376f',
    })
    assert.equal(facts.mismatch, 'asset')
  })

  it('reports the asset as the mismatch when nothing moved at all', () => {
    const facts = readTransferLogs([], expected)
    assert.deepEqual([facts.received, facts.mismatch], [0n, 'asset'])
  })
})
