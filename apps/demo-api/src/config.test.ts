import assert from 'node:assert/strict'
import type { WireAsset } from '@tx402/core'
import { createChains } from './chains.js'
import { DemoConfigError, loadConfig } from './config.js'

const payTo = '0x90F79bf6EB2c4f870365E785982E1f101E93b906'
const solanaPayTo = 'FQmu6dCpw6Eih5fZSpe3pq9Q93YqR4cQ7f6bETtnhVH2'
const rpc = 'http://127.0.0.1:1'

describe("demo API configuration: each network's USDC", () => {
  it('defaults to mainnet USDC without a chain id or network', () => {
    const config = loadConfig({
      BASE_RPC_URL: rpc,
      BASE_PAY_TO: payTo,
      AVALANCHE_RPC_URL: rpc,
      AVALANCHE_PAY_TO: payTo,
      SOLANA_RPC_URL: rpc,
      SOLANA_PAY_TO: solanaPayTo,
    })
    assert.equal(config.base?.token, '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913')
    assert.equal(config.avalanche?.token, '0xB97EF9Ef8734C71904D8002F8b6Bc66Dd9c48a6E')
    assert.equal(config.solana?.mint, 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v')
    assert.deepEqual(
      createChains(config).map((chain) => chain.name),
      ['base', 'avalanche', 'solana'],
    )
  })

  it("takes a testnet's USDC and chain name from its chain id or network", () => {
    const config = loadConfig({
      BASE_RPC_URL: rpc,
      BASE_CHAIN_ID: '84532',
      BASE_PAY_TO: payTo,
      AVALANCHE_RPC_URL: rpc,
      AVALANCHE_CHAIN_ID: '43113',
      AVALANCHE_PAY_TO: payTo,
      SOLANA_RPC_URL: rpc,
      SOLANA_NETWORK: 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1',
      SOLANA_PAY_TO: solanaPayTo,
    })
    assert.equal(config.base?.token, '0x036CbD53842c5426634e7929541eC2318f3dCF7e')
    assert.equal(config.avalanche?.token, '0x5425890298aed601595a70AB815c96711a31Bc65')
    assert.equal(config.solana?.mint, '4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU')
    const address = (asset: WireAsset | undefined) =>
      asset?.standard === 'erc20' ? asset.address : asset?.standard === 'spl' ? asset.mint : ''
    assert.deepEqual(
      createChains(config).map(
        (chain) => `${chain.name} ${chain.network} ${address(chain.assets[0])}`,
      ),
      [
        'base-sepolia eip155:84532 0x036CbD53842c5426634e7929541eC2318f3dCF7e',
        'avalanche-fuji eip155:43113 0x5425890298aed601595a70AB815c96711a31Bc65',
        'solana-devnet solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1 4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU',
      ],
    )
  })

  it('keeps a token given by address', () => {
    const token = '0x5FbDB2315678afecb367f032d93F642f64180aa3'
    const config = loadConfig({
      BASE_RPC_URL: rpc,
      BASE_CHAIN_ID: '84532',
      BASE_TOKEN: token,
      BASE_PAY_TO: payTo,
    })
    assert.equal(config.base?.token, token)
  })

  it('asks for the token of a chain id or network without a preset, naming the variable', () => {
    assert.throws(
      () => loadConfig({ BASE_RPC_URL: rpc, BASE_CHAIN_ID: '31337', BASE_PAY_TO: payTo }),
      (error) =>
        error instanceof DemoConfigError &&
        error.variable === 'BASE_TOKEN' &&
        /chain id 31337, which has no preset/.test(error.message),
    )
    assert.throws(
      () =>
        loadConfig({
          SOLANA_RPC_URL: rpc,
          SOLANA_NETWORK: 'solana:FjYDmiZsEbPWBo2tkd1P8dXu1m12WCCj',
          SOLANA_PAY_TO: solanaPayTo,
        }),
      (error) => error instanceof DemoConfigError && error.variable === 'SOLANA_MINT',
    )
  })
})
