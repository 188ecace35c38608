import type { ChainPlugin, ChallengeContext, Network, PaymentRequirement } from '@tx402/core'
import bs58 from 'bs58'
import { chainTime } from './chainTime.js'
import { destinationCheck } from './checkDestination.js'
import { checkGenesis } from './checkGenesis.js'
import { payToAccountCheck, refuseMintAsPayTo } from './checkPayTo.js'
import { createConnection } from './createConnection.js'
import { solanaNetworkIds } from './networks.js'
import { normalizeTxId } from './normalizeTxId.js'
import { probeRpcFeatures } from './probeRpcFeatures.js'
import { resolveOptions, type SolanaOptions } from './resolveOptions.js'
import { rpcSource } from './rpcSource.js'
import { transferFees } from './transferFees.js'
import { verifyPayment } from './verifyPayment.js'
import { verifyProof } from './verifyProof.js'

/** A Solana chain plugin; `tokenPrograms` tells payers which program owns each mint. */
export interface SolanaPlugin extends ChainPlugin {
  readonly commitment: 'confirmed' | 'finalized'
  /** Token program id (SPL Token or Token-2022) of each accepted mint. */
  readonly tokenPrograms: Readonly<Record<string, string>>
  /**
   * The startup check: the RPC serves `network`, `payTo` is a wallet, `payTo`'s associated token
   * account of each accepted mint can receive (missing, or owned by `payTo`, of that mint, not
   * frozen), and each native-SOL price in `requirements` (the route's, given by `paid.ready()`)
   * keeps `payTo` rent-exempt. Throws `ConfigurationError` naming the problem. Asked fresh when
   * `requirements` are given (the startup check) and by `probe()` (health); without them (the
   * engine, before each verification) a success is remembered, so the paid path reads no
   * account.
   */
  ready(requirements?: readonly PaymentRequirement[]): Promise<void>
  verifyProof(args: { message: string; signature: string; payer: string }): Promise<boolean>
}

/**
 * The Solana chain plugin (mainnet-beta by default): verifies SPL Token, Token-2022 and native
 * SOL payments to `payTo` from the chain's own record. Options are checked here, at setup.
 * Defaults: network `solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp`, name `solana`, assets USDC
 * (`EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v`) and SOL, commitment `confirmed`,
 * maxAgeSeconds 900, timeoutMs 10000.
 *
 * @example
 * paymentRequired({ price: '0.01', chains: [solana({ rpcUrl, payTo })], ledger, secret })
 * @example
 * // A local chain: its own network id and mint.
 * solana({ rpcUrl, payTo, network: 'solana:FjYD…', assets: [{ standard: 'spl', mint, symbol: 'USDC', decimals: 6 }] })
 */
export function solana(options: SolanaOptions): SolanaPlugin {
  return createSolanaPlugin(options, solanaNetworkIds.mainnet)
}

/**
 * The Solana devnet preset: network `solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1`, name
 * `solana-devnet`, devnet USDC (`4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU`) and SOL; other
 * defaults as `solana(…)`.
 *
 * @example solanaDevnet({ rpcUrl: 'https://api.devnet.solana.com', payTo })
 */
export function solanaDevnet(options: SolanaOptions): SolanaPlugin {
  return createSolanaPlugin(options, solanaNetworkIds.devnet)
}

function createSolanaPlugin(options: SolanaOptions, defaultNetwork: Network): SolanaPlugin {
  const config = resolveOptions(options, defaultNetwork)
  refuseMintAsPayTo(config.payTo, config.assets)
  const connection = createConnection(config)
  const source = rpcSource(config.name)
  const networkReady = checkGenesis(connection, config.network, source)
  // ready() (the startup check) also asks what payTo is; verification needs only the network.
  // What verification will ask (getTransaction at the commitment, statuses with history, getSlot).
  const features = () => probeRpcFeatures(connection, config, source)
  const payToReady = once(
    networkReady,
    features,
    payToAccountCheck(connection, config.payTo, source),
  )
  // Asked fresh by the startup check (given the route's requirements) and by health(): a token
  // account's owner can move, a balance can change. The engine's ready() before each verification
  // relies on a remembered success: never extra round trips on the paid path (the payer reads the
  // account it credits itself before signing).
  const checkDestination = destinationCheck(connection, config.payTo, config.assets, source)
  const destinationReady = once(() => checkDestination())
  const fees = transferFees(connection)
  return {
    name: config.name,
    network: config.network,
    payTo: config.payTo,
    assets: config.assets,
    maxAgeSeconds: config.maxAgeSeconds,
    commitment: config.commitment,
    tokenPrograms: config.tokenPrograms,
    // The challenge's reference key must be in the transaction: only its payer got the challenge.
    binding: 'reference',
    acceptsFields(challenge: ChallengeContext, requirement?: PaymentRequirement) {
      const transferFee = requirement && fees.acceptsField(requirement.asset)
      return {
        commitment: config.commitment,
        reference: bs58.encode(challenge.reference),
        ...(transferFee ? { transferFee } : {}),
      }
    },
    inspectAsset: fees.inspectAsset,
    normalizeTxId,
    async ready(requirements) {
      await payToReady()
      if (requirements) await checkDestination(requirements)
      else await destinationReady()
    },
    // A fresh genesis-hash, feature and destination check each time, for health().
    probe: async () => {
      await checkGenesis(connection, config.network, source)()
      await features()
      await checkDestination()
    },
    chainTime: () => chainTime(connection, config.commitment, source),
    async verify(context) {
      await networkReady()
      return verifyPayment(connection, config, context)
    },
    verifyProof,
  }
}

/** Runs the checks in order, once; a failure is tried again on the next call. */
function once(...checks: (() => Promise<void>)[]): () => Promise<void> {
  let passed: Promise<void> | undefined
  return () => {
    passed ??= (async () => {
      for (const check of checks) await check()
    })().catch((error: unknown) => {
      passed = undefined
      throw error
    })
    return passed
  }
}
