import { InvalidTxIdError } from '../errors.js'
import type { ChainPlugin, PaymentBinding, VerifyContext, VerifyResult } from '../plugin.js'
import type { WireAsset } from '../protocol/types.js'

/** Options of `scriptedChain`; every field has a default. */
export interface ScriptedChainOptions {
  /** Default `'testnet'`. */
  name?: string
  /** Default `'eip155:31337'`. */
  network?: `${string}:${string}`
  /** Default `0x…bEEF`. */
  payTo?: string
  /** Default: a 6-decimal `USDC` at `0x…a1`. */
  assets?: readonly WireAsset[]
  /**
   * How the route's default `binding: 'payer'` treats it. Default `'none'`: a scripted verdict
   * has no chain record to bind to. `'reference'` demands the challenge.
   */
  binding?: PaymentBinding
  /** The verdict for a transaction nobody scripted. Default: `tx_not_found`. */
  otherwise?: (context: VerifyContext) => Promise<VerifyResult>
}

/** A scripted chain: the plugin, and the handles a test steers it with. */
export interface ScriptedChain {
  plugin: ChainPlugin
  /** Every transaction id `verify` was called with, in order. */
  calls: string[]
  /** Scripts a confirmed payment of `amount` (default 10000) by `0x…aa`, mined now. */
  pay(txId: string, amount?: bigint): void
  /** Scripts any verdict, or a fault to throw. */
  set(txId: string, verdict: VerifyResult | Error): void
  /** Holds every verification until the returned function is called. */
  hold(): () => void
}

/** The payer of `pay()`'s scripted payments. */
export const scriptedPayer = '0x00000000000000000000000000000000000000aa'

/**
 * A `ChainPlugin` whose verdicts a test scripts: the real engine, middleware and ledger, no RPC.
 * For testing your own paid routes; never for real payments. Transaction ids are 32 bytes of hex,
 * normalized to lower case with `0x`.
 *
 * @example
 * const chain = scriptedChain()
 * app.use(paymentRequired({ price: '0.01', chains: [chain.plugin], ledger: memoryLedger(), secret }))
 * chain.pay('0x' + '11'.repeat(32))
 */
export function scriptedChain(options: ScriptedChainOptions = {}): ScriptedChain {
  const verdicts = new Map<string, VerifyResult | Error>()
  const calls: string[] = []
  let gate: Promise<void> | undefined
  const otherwise =
    options.otherwise ??
    (async (): Promise<VerifyResult> => ({
      status: 'invalid',
      reason: 'tx_not_found',
      message: 'Not found.',
    }))
  const plugin: ChainPlugin = {
    name: options.name ?? 'testnet',
    network: options.network ?? 'eip155:31337',
    payTo: options.payTo ?? '0x000000000000000000000000000000000000bEEF',
    assets: options.assets ?? [
      {
        standard: 'erc20',
        address: '0x00000000000000000000000000000000000000a1',
        symbol: 'USDC',
        decimals: 6,
      },
    ],
    maxAgeSeconds: 900,
    binding: options.binding ?? 'none',
    acceptsFields: () => ({ minConfirmations: 1 }),
    normalizeTxId(raw) {
      const hex = raw.toLowerCase().replace(/^0x/, '')
      if (!/^[0-9a-f]{64}$/.test(hex)) throw new InvalidTxIdError('Expected 32 bytes of hex.')
      return `0x${hex}`
    },
    async verify(context) {
      calls.push(context.txId)
      await gate
      const verdict = verdicts.get(context.txId)
      if (verdict instanceof Error) throw verdict
      return verdict ?? otherwise(context)
    },
  }
  return {
    plugin,
    calls,
    pay: (txId, amount = 10000n) => {
      verdicts.set(txId, {
        status: 'confirmed',
        payer: scriptedPayer,
        amount,
        blockTime: Math.floor(Date.now() / 1000),
      })
    },
    set: (txId, verdict) => {
      verdicts.set(txId, verdict)
    },
    hold() {
      let open!: () => void
      gate = new Promise((resolve) => {
        open = resolve
      })
      return () => {
        gate = undefined
        open()
      }
    },
  }
}

/** A confirmed verdict for any transaction (for `otherwise`). */
export async function confirmedPayment(): Promise<VerifyResult> {
  return {
    status: 'confirmed',
    payer: scriptedPayer,
    amount: 10000n,
    blockTime: Math.floor(Date.now() / 1000),
  }
}
