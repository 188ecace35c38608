import assert from 'node:assert/strict'
import { Connection, Keypair } from '@solana/web3.js'
import type { AcceptOption } from '@tx402/core'
import { createPublicClient, createWalletClient, http } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { avalanche, base } from 'viem/chains'
import { NoPayableOptionError, SpendingCapError } from './errors.js'
import { evmPayer } from './evm/evmPayer.js'
import { selectOption } from './selectOption.js'
import { solanaPayer } from './solana/solanaPayer.js'

// Payers whose network is known without asking an RPC: selection never touches the chain.
const unused = 'http://127.0.0.1:9'
const onEvm = (chain: typeof base | typeof avalanche) =>
  evmPayer({
    walletClient: createWalletClient({
      account: privateKeyToAccount(generatePrivateKey()),
      chain,
      transport: http(unused),
    }),
    publicClient: createPublicClient({ chain, transport: http(unused) }),
  })
const basePayer = onEvm(base)
const avalanchePayer = onEvm(avalanche)
const solanaNetwork = 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp'
const solPayer = solanaPayer({
  connection: new Connection(unused),
  signer: Keypair.generate(),
  network: solanaNetwork,
})

const option = (chain: string, network: AcceptOption['network'], amount: string): AcceptOption => ({
  chain,
  network,
  asset: network.startsWith('solana')
    ? {
        standard: 'spl',
        mint: 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v',
        symbol: 'USDC',
        decimals: 6,
      }
    : {
        standard: 'erc20',
        // Each network's own USDC: the client identifies assets by network and contract.
        address:
          network === 'eip155:8453'
            ? '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913'
            : '0xB97EF9Ef8734C71904D8002F8b6Bc66Dd9c48a6E',
        symbol: 'USDC',
        decimals: 6,
      },
  amount,
  payTo: 'x',
  maxAgeSeconds: 900,
})
const baseOption = option('base', 'eip155:8453', '10000')
const avalancheOption = option('avalanche', 'eip155:43114', '10000')
const solanaOption = option('solana', solanaNetwork, '10000')

describe('selectOption', () => {
  it("follows the caller's preferred chains, by name or CAIP-2 id", async () => {
    const payers = [basePayer, avalanchePayer, solPayer]
    const accepts = [baseOption, avalancheOption, solanaOption]
    const bySolana = await selectOption(accepts, {
      payers,
      maxAmount: '1',
      preferredChains: ['solana'],
    })
    assert.equal(bySolana.option, solanaOption)
    assert.equal(bySolana.payer, solPayer)
    const byId = await selectOption(accepts, {
      payers,
      maxAmount: '1',
      preferredChains: ['eip155:43114'],
    })
    assert.equal(byId.option, avalancheOption)
    assert.equal(byId.payer, avalanchePayer)
  })

  it("keeps the server's order without a preference", async () => {
    const picked = await selectOption([avalancheOption, baseOption], {
      payers: [basePayer, avalanchePayer],
      maxAmount: '1',
    })
    assert.equal(picked.option, avalancheOption)
  })

  it('skips options no payer is configured for', async () => {
    const picked = await selectOption([baseOption, solanaOption], {
      payers: [solPayer],
      maxAmount: '1',
      preferredChains: ['base'],
    })
    assert.equal(picked.option, solanaOption)
  })

  it('skips an option above the cap for one within it', async () => {
    const expensive = { ...baseOption, amount: '2000000' }
    const picked = await selectOption([expensive, avalancheOption], {
      payers: [basePayer, avalanchePayer],
      maxAmount: { USDC: '1' },
      preferredChains: ['base'],
    })
    assert.equal(picked.option, avalancheOption)
  })

  it('refuses with SpendingCapError when every payable option is above the cap', async () => {
    const error = await selectOption([{ ...baseOption, amount: '100001' }], {
      payers: [basePayer],
      maxAmount: '0.10',
    }).catch((e: unknown) => e)
    assert.ok(error instanceof SpendingCapError)
    assert.equal(error.name, 'SpendingCapError')
    assert.equal(error.amount, '0.100001')
    assert.equal(error.cap, '0.1')
    assert.equal(error.symbol, 'USDC')
  })

  it('refuses an asset the cap record does not name', async () => {
    const ethOption: AcceptOption = {
      ...baseOption,
      asset: { standard: 'native', symbol: 'ETH', decimals: 18 },
      amount: '1',
    }
    await assert.rejects(
      selectOption([ethOption], { payers: [basePayer], maxAmount: { USDC: '5' } }),
      SpendingCapError,
    )
  })

  it('throws NoPayableOptionError when no payer fits', async () => {
    await assert.rejects(
      selectOption([solanaOption], { payers: [basePayer], maxAmount: '1' }),
      (error: unknown) =>
        error instanceof NoPayableOptionError && /USDC on solana/.test(error.message),
    )
    const erc721 = { ...baseOption, asset: { standard: 'nft' } } as unknown as AcceptOption
    await assert.rejects(
      selectOption([erc721], { payers: [basePayer], maxAmount: '1' }),
      NoPayableOptionError,
    )
  })
})
