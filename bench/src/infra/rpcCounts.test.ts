import assert from 'node:assert/strict'
import { summarizeRpc } from './rpcCounts.js'

describe('summarizeRpc', () => {
  it('counts a batch as one round trip of several calls, by method and by shape', () => {
    const counts = summarizeRpc([
      ['eth_getTransactionReceipt', 'eth_blockNumber'],
      ['eth_blockNumber', 'eth_getTransactionReceipt'],
      ['eth_getTransactionByHash'],
    ])
    assert.equal(counts.httpRequests, 3)
    assert.equal(counts.calls, 5)
    assert.deepEqual(counts.methods, {
      eth_getTransactionReceipt: 2,
      eth_blockNumber: 2,
      eth_getTransactionByHash: 1,
    })
    assert.deepEqual(counts.shapes, {
      'eth_blockNumber+eth_getTransactionReceipt': 2,
      eth_getTransactionByHash: 1,
    })
  })

  it('is all zeros for no requests', () => {
    assert.deepEqual(summarizeRpc([]), { httpRequests: 0, calls: 0, methods: {}, shapes: {} })
  })
})
