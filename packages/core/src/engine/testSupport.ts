import { InvalidTxIdError } from '../errors.js'
import type { ChainPlugin, VerifyResult } from '../plugin.js'
import type { Outcome } from './outcome.js'

// Test support for the engine's own tests: a chain whose verdicts the test scripts.

/** A plugin answering `verdict()` for every transaction, recording which it was asked about. */
export function countingChain(verdict: () => Promise<VerifyResult>) {
  const calls: string[] = []
  const plugin: ChainPlugin = {
    name: 'testnet',
    network: 'eip155:31337',
    payTo: '0x000000000000000000000000000000000000bEEF',
    assets: [
      {
        standard: 'erc20',
        address: '0x00000000000000000000000000000000000000a1',
        symbol: 'USDC',
        decimals: 6,
      },
    ],
    maxAgeSeconds: 900,
    acceptsFields: () => ({}),
    normalizeTxId(raw) {
      if (!/^0x[0-9a-f]{64}$/.test(raw)) throw new InvalidTxIdError('Expected 32 bytes of hex.')
      return raw
    },
    async verify({ txId }) {
      calls.push(txId)
      return verdict()
    },
  }
  return { plugin, calls }
}

/** A request paying with `tx` on the test chain. */
export const request = (tx: string, client = '127.0.0.1') => ({
  method: 'GET',
  path: '/paid',
  headers: { 'x-payment-tx': [tx], 'x-payment-chain': ['testnet'] },
  client,
})
export const status = (outcome: Outcome) => (outcome.type === 'paid' ? 200 : outcome.status)
export const hash = (n: number) => `0x${n.toString(16).padStart(64, '0')}`
export const silent = { info() {}, warn() {}, error() {} }
export const confirmed = async (): Promise<VerifyResult> => ({
  status: 'confirmed',
  payer: '0xpayer',
  amount: 10000n,
  blockTime: Math.floor(Date.now() / 1000),
})
