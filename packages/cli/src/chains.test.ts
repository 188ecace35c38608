import assert from 'node:assert/strict'
import { configureChain } from './chains.js'

const env = {
  BASE_RPC_URL: 'http://127.0.0.1:1',
  BASE_PAY_TO: '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
}
const asset = (chain: ReturnType<typeof configureChain>) => {
  const first = chain.plugin.assets[0]
  return first?.standard === 'erc20' ? first.address : undefined
}

describe('tx402: the chain a server would configure', () => {
  it("takes a testnet chain id's preset: its name and USDC", () => {
    const sepolia = configureChain('base', {}, { ...env, BASE_CHAIN_ID: '84532' })
    assert.equal(sepolia.plugin.name, 'base-sepolia')
    assert.equal(asset(sepolia), '0x036CbD53842c5426634e7929541eC2318f3dCF7e')
    const fuji = configureChain(
      'avalanche',
      { network: 'eip155:43113' },
      { AVALANCHE_RPC_URL: env.BASE_RPC_URL, AVALANCHE_PAY_TO: env.BASE_PAY_TO },
    )
    assert.equal(fuji.plugin.name, 'avalanche-fuji')
    assert.equal(asset(fuji), '0x5425890298aed601595a70AB815c96711a31Bc65')
    assert.equal(
      asset(configureChain('base', {}, env)),
      '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913',
    )
  })

  it('asks for --token on a chain id without a preset, rather than assume mainnet USDC', () => {
    assert.throws(
      () => configureChain('base', {}, { ...env, BASE_CHAIN_ID: '31337' }),
      /--token \(or BASE_TOKEN\) is required for eip155:31337/,
    )
    const token = '0x5FbDB2315678afecb367f032d93F642f64180aa3'
    assert.equal(
      asset(configureChain('base', { token }, { ...env, BASE_CHAIN_ID: '31337' })),
      token,
    )
  })
})
