import assert from 'node:assert/strict'
import { describeWithFixtures, readFixture } from '@tx402/testing/evm'
import { type Address, formatLog, getAddress, type Log, type RpcLog } from 'viem'
import { verifyTransferLogs } from './verifyTransferLogs.js'

describeWithFixtures('verifyTransferLogs', () => {
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
  const expected = { token: usdc, symbol: 'USDC', payTo, amount: 0x04b22a88n }
  const usdcTransfer = swap.find(
    (log) => log.address === usdc.toLowerCase() && log.topics[0]?.startsWith('0xddf252ad'),
  )!

  it('counts a Transfer from the asset contract to payTo, comparing addresses not strings', () => {
    const verdict = verifyTransferLogs(swap, expected)
    assert.equal(verdict.status, 'paid')
    assert.equal(verdict.status === 'paid' && verdict.amount, 0x04b22a88n)
    assert.equal(
      verdict.status === 'paid' && verdict.payer,
      getAddress('0x3b3e4b4741e91af52d0e9ad8660573e951c88524'),
    )
  })

  it('ignores a Transfer-topic log with a fourth topic (the ERC-721 shape)', () => {
    const nft = { ...usdcTransfer, topics: [...usdcTransfer.topics, `0x${'0'.repeat(63)}1`] } as Log
    assert.equal(verifyTransferLogs([nft], expected).status, 'invalid')
  })

  it('ignores a Transfer whose data is not exactly 32 bytes', () => {
    const padded = { ...usdcTransfer, data: `${usdcTransfer.data}${'0'.repeat(64)}` } as Log
    const short = { ...usdcTransfer, data: usdcTransfer.data.slice(0, 40) } as Log
    assert.equal(verifyTransferLogs([padded], expected).status, 'invalid')
    assert.equal(verifyTransferLogs([short], expected).status, 'invalid')
  })

  it('ignores a log the node marks removed', () => {
    assert.equal(
      verifyTransferLogs([{ ...usdcTransfer, removed: true }], expected).status,
      'invalid',
    )
  })

  it('does not count zero-value Transfers to payTo', () => {
    // 0xe19a…f21c emits zero-value Transfers to 0x4127…e1be in the same block.
    const verdict = verifyTransferLogs(swap, {
      token: '0xe19a1684873fab5fb694cfd06607100a632ff21c',
      symbol: 'LP',
      payTo: '0x412742dc0cc4205d590c5cd5e1056f6b46e8e1be',
      amount: 1n,
    })
    assert.equal(verdict.status === 'invalid' && verdict.reason, 'wrong_recipient')
  })

  it('prefers wrong_asset when another token reached payTo and the asset went elsewhere', () => {
    // The USDC.e Transfer reaches 0x2c36…376f while USDC itself went to 0x7c13…b0c0.
    const verdict = verifyTransferLogs(swap, {
      ...expected,
      payTo: '0x2c3601fe09c23df8beb8216298d1502c985e376f',
    })
    assert.equal(verdict.status === 'invalid' && verdict.reason, 'wrong_asset')
  })

  it('answers wrong_asset when nothing moved at all', () => {
    const verdict = verifyTransferLogs([], expected)
    assert.equal(verdict.status === 'invalid' && verdict.reason, 'wrong_asset')
  })
})
