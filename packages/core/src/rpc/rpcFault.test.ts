import assert from 'node:assert/strict'
import { VerifierUnavailableError } from '../errors.js'
import { describeFault, rpcFault, withRpcFault } from './rpcFault.js'

describe('the RPC-fault helper every chain plugin shares', () => {
  const keyed = 'https://rpc.example/v2/secret-api-key'

  it('describes a fault by name and first line, never with a URL', () => {
    const cause = new TypeError(`fetch failed for ${keyed}\n    at stack (file.ts:1:1)`)
    assert.deepEqual(describeFault(cause), {
      name: 'TypeError',
      message: 'fetch failed for <url>',
    })
    assert.deepEqual(describeFault(`down: ${keyed}`), { name: 'unknown', message: 'down: <url>' })
  })

  it('prefers the short message viem gives, over its long one', () => {
    const cause = Object.assign(new Error(`HTTP request failed.\nURL: ${keyed}`), {
      shortMessage: 'HTTP request failed.',
    })
    assert.equal(describeFault(cause).message, 'HTTP request failed.')
  })

  it('turns any failure into a 503 naming the chain and step, with the rate limit it read', async () => {
    const source = { chain: 'base', rateLimitOf: () => 7 }
    const error = await withRpcFault(source, 'reading the receipt', async () => {
      throw new Error(`refused by ${keyed}`)
    }).catch((e: unknown) => e)
    assert.ok(error instanceof VerifierUnavailableError)
    assert.equal(error.shortMessage, 'The base RPC failed while reading the receipt (Error).')
    assert.equal(error.details, 'refused by <url>')
    assert.equal(error.retryAfterSeconds, 7)
    assert.ok(!error.message.includes('secret-api-key'), error.message)
  })

  it('passes a VerifierUnavailableError through as it is', () => {
    const own = new VerifierUnavailableError('Rate limited.', { retryAfterSeconds: 3 })
    assert.equal(rpcFault({ chain: 'solana' }, 'reading the transaction', own), own)
  })
})
