import assert from 'node:assert/strict'
import { ConfigurationError } from '@tx402/core'
import { describeEvmPayments } from '@tx402/testing/evm'
import { base, baseSepolia } from './base.js'

const payTo = '0x000000000000000000000000000000000000bEEF'

describe('base presets', () => {
  it('default to Base mainnet and Circle USDC, 2 confirmations', () => {
    const chain = base({ rpcUrl: 'http://127.0.0.1:1', payTo })
    assert.equal(chain.name, 'base')
    assert.equal(chain.network, 'eip155:8453')
    assert.equal(chain.chainId, 8453)
    assert.deepEqual(chain.assets, [
      {
        standard: 'erc20',
        address: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913',
        symbol: 'USDC',
        decimals: 6,
      },
    ])
    assert.deepEqual(chain.acceptsFields({ id: 'c', issuedAt: 0, reference: new Uint8Array(32) }), {
      minConfirmations: 2,
    })
    assert.equal(chain.finality, 'latest')
    assert.equal(chain.maxAgeSeconds, 900)
  })

  it('baseSepolia is eip155:84532 with testnet USDC', () => {
    const chain = baseSepolia({ rpcUrl: 'http://127.0.0.1:1', payTo })
    assert.equal(chain.name, 'base-sepolia')
    assert.equal(chain.network, 'eip155:84532')
    assert.equal(
      chain.assets[0]?.standard === 'erc20' && chain.assets[0].address,
      '0x036CbD53842c5426634e7929541eC2318f3dCF7e',
    )
  })

  it('lets every field be overridden, and ignores undefined overrides', () => {
    const chain = base({
      rpcUrls: ['http://127.0.0.1:1', 'http://127.0.0.1:2'],
      payTo,
      finality: 'safe',
      confirmations: undefined,
      maxAgeSeconds: 0,
    })
    assert.equal(chain.finality, 'safe')
    assert.equal(chain.confirmations, 2)
    assert.equal(chain.maxAgeSeconds, 0)
  })

  it('fails at setup on a misspelled option, naming the closest, rather than using the default', () => {
    assert.throws(
      () => base({ rpcUrl: 'http://127.0.0.1:1', payTo, confirmation: 12 } as never),
      (error: unknown) =>
        error instanceof ConfigurationError &&
        error.shortMessage === 'base: Unknown option "confirmation". Did you mean "confirmations"?',
    )
    assert.throws(
      () => base({ rpcUrl: 'http://127.0.0.1:1', payTo, toString: 1 } as never),
      /base: Unknown option "toString"/,
    )
  })

  it('fails at setup without an RPC URL, with both forms, or without payTo', () => {
    assert.throws(() => base({ payTo }), ConfigurationError)
    assert.throws(
      () => base({ payTo, rpcUrl: 'http://127.0.0.1:1', rpcUrls: ['http://127.0.0.1:2'] }),
      ConfigurationError,
    )
    assert.throws(() => base({ rpcUrl: 'http://127.0.0.1:1' } as never), ConfigurationError)
  })
})

describeEvmPayments({
  title: 'base() with a test token, against anvil with chain id 8453',
  chainId: 8453,
  plugin: (options) => base(options),
})
