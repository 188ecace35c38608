import assert from 'node:assert/strict'
import { describeEvmPayments } from '@tx402/testing/evm'
import { avalanche, avalancheFuji } from './avalanche.js'

const payTo = '0x000000000000000000000000000000000000bEEF'

describe('avalanche presets', () => {
  it('default to C-Chain and Circle USDC, final after 1 confirmation', () => {
    const chain = avalanche({ rpcUrl: 'http://127.0.0.1:1', payTo })
    assert.equal(chain.name, 'avalanche')
    assert.equal(chain.network, 'eip155:43114')
    assert.equal(
      chain.assets[0]?.standard === 'erc20' && chain.assets[0].address,
      '0xB97EF9Ef8734C71904D8002F8b6Bc66Dd9c48a6E',
    )
    assert.equal(chain.confirmations, 1)
    assert.equal(chain.finality, 'latest')
  })

  it('avalancheFuji is eip155:43113 with testnet USDC', () => {
    const chain = avalancheFuji({ rpcUrl: 'http://127.0.0.1:1', payTo })
    assert.equal(chain.name, 'avalanche-fuji')
    assert.equal(chain.network, 'eip155:43113')
    assert.equal(
      chain.assets[0]?.standard === 'erc20' && chain.assets[0].address,
      '0x5425890298aed601595a70AB815c96711a31Bc65',
    )
  })
})

describeEvmPayments({
  title: 'avalanche() with a test token, against anvil with chain id 43114',
  chainId: 43114,
  plugin: (options) => avalanche(options),
})
