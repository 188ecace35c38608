import assert from 'node:assert/strict'
import { mergeCacheControl, overridesCacheControl, paymentVary } from './cacheHeaders.js'

describe('mergeCacheControl', () => {
  it('adds private to the route own directives, as x402 does', () => {
    assert.equal(mergeCacheControl('max-age=60', 'private'), 'max-age=60, private')
    assert.equal(mergeCacheControl(undefined, 'private'), 'private')
  })

  it('overrides what lets a shared cache store the response: public, s-maxage, private="field"', () => {
    assert.equal(
      mergeCacheControl('Public, max-age=60, S-MAXAGE=600, no-transform', 'private'),
      'max-age=60, no-transform, private',
    )
    assert.equal(
      mergeCacheControl('private="set-cookie, x-a", max-age=5', 'private'),
      'max-age=5, private',
    )
  })

  it('keeps a stricter route directive and adds each required one once', () => {
    assert.equal(mergeCacheControl('no-store', 'private, no-store'), 'no-store, private')
    assert.equal(mergeCacheControl('no-cache="a,b"', 'no-store'), 'no-cache="a,b", no-store')
  })

  it('is idempotent: merging a merged value again changes nothing', () => {
    for (const route of ['public, max-age=60', 'private="a", no-cache', undefined]) {
      for (const required of ['private', 'private, no-store']) {
        const once = mergeCacheControl(route, required)
        assert.equal(mergeCacheControl(once, required), once)
        assert.equal(
          mergeCacheControl(once, required, true),
          mergeCacheControl(route, required, true),
        )
      }
    }
  })

  it('makes a response carrying PAYMENT-CREDIT no-store whatever was required', () => {
    assert.equal(mergeCacheControl('max-age=60', 'private', true), 'max-age=60, private, no-store')
  })

  it('varies on every payment request header', () => {
    assert.equal(
      paymentVary,
      'x-payment-tx, x-payment-chain, x-payment-challenge, x-payment-proof, x-payment-credit',
    )
  })
})

describe('overridesCacheControl', () => {
  it('names the fields shared caches obey over Cache-Control, in any case', () => {
    for (const name of [
      'X-Accel-Expires',
      'cdn-cache-control',
      'Cloudflare-CDN-Cache-Control',
      'Vercel-CDN-Cache-Control',
      'Surrogate-Control',
      'Edge-Control',
    ]) {
      assert.equal(overridesCacheControl(name), true, name)
    }
    for (const name of ['cache-control', 'expires', 'vary', 'x-accel-buffering']) {
      assert.equal(overridesCacheControl(name), false, name)
    }
  })
})
