import { readFile } from 'node:fs/promises'
import { MINT_SIZE, MintLayout, TOKEN_PROGRAM_ID } from '@solana/spl-token'
import { PublicKey } from '@solana/web3.js'
import type { Network } from '@tx402/core'
import { JsonRpcError, serveJsonRpc } from './jsonRpcServer.js'

/** A JSON-RPC that answers recorded `getTransaction` responses. Test support. */
export interface RecordedSolanaRpc {
  rpcUrl: string
  network: Network
  /** The signatures of the recorded transactions, in the order of `files`. */
  signatures: string[]
  stop(): Promise<void>
}

/**
 * Serves recorded jsonParsed `getTransaction` responses (files holding a JSON-RPC envelope
 * `{ result }` or the bare result) on a loopback port, keyed by each transaction's first
 * signature, as a node that has them finalized: `getGenesisHash` answers `genesisHash`,
 * `getTransaction` the recorded result (null for another signature), `getSignatureStatuses`
 * finalized at the recorded slot, `getSlot` the highest recorded slot. `getAccountInfo` answers, for each mint in the recorded
 * token balances, a made-up plain mint of the recorded decimals owned by the recorded token
 * program (no account data is recorded; `ready()` checks the mint), and null for any other
 * account (a wallet the chain has not seen, as for `ready()`'s payTo check). Other methods are
 * not found.
 *
 * @example
 * const rpc = await startRecordedSolanaRpc({
 *   genesisHash: '5eykt4UsFv8P8NJdTREpY1vzqKqZKvdpKuc147dw2N9d',
 *   files: [fixturePath('solana/mainnet-sol-transfer.json')],
 * })
 */
export async function startRecordedSolanaRpc(options: {
  genesisHash: string
  files: string[]
  /**
   * Answer every transaction whatever `maxSupportedTransactionVersion` says, as a misbehaving
   * node would; by default a version above it is error -32015, as a node answers.
   */
  answerAnyVersion?: boolean
  /** Replace each recorded transaction's `version` (a version no client reads yet, say). */
  version?: number | 'legacy'
}): Promise<RecordedSolanaRpc> {
  const recorded = new Map<string, RecordedTransaction>()
  for (const file of options.files) {
    const json = JSON.parse(await readFile(file, 'utf8')) as { result?: RecordedTransaction }
    const result = json.result ?? (json as RecordedTransaction)
    const signature = result.transaction?.signatures?.[0]
    if (typeof signature !== 'string') throw new Error(`${file}: no transaction signature`)
    recorded.set(
      signature,
      options.version === undefined ? result : { ...result, version: options.version },
    )
  }

  const mints = madeUpMints([...recorded.values()])
  const server = await serveJsonRpc((method, params) => {
    const config = (params[1] ?? {}) as Record<string, unknown>
    switch (method) {
      case 'getGenesisHash':
        return options.genesisHash
      case 'getSlot':
        return Math.max(0, ...[...recorded.values()].map((tx) => tx.slot))
      case 'getAccountInfo':
        return { context: { slot: 0 }, value: mints.get(String(params[0])) ?? null }
      case 'getSignatureStatuses': {
        const signatures = Array.isArray(params[0]) ? (params[0] as unknown[]) : []
        return {
          context: { slot: 0 },
          value: signatures.map((signature) => {
            const tx = recorded.get(String(signature))
            if (!tx) return null
            const err = tx.meta?.err ?? null
            return {
              slot: tx.slot,
              confirmations: null,
              err,
              status: err === null ? { Ok: null } : { Err: err },
              confirmationStatus: 'finalized',
            }
          }),
        }
      }
      case 'getTransaction': {
        const tx = recorded.get(String(params[0]))
        if (!tx) return null
        const max = config.maxSupportedTransactionVersion
        const tooNew =
          typeof tx.version === 'number' && (typeof max !== 'number' || tx.version > max)
        if (tooNew && !options.answerAnyVersion) {
          throw new JsonRpcError(
            -32015,
            `Transaction version (${tx.version}) is not supported by the requesting client. Please try the request again with the following configuration parameter: "maxSupportedTransactionVersion": ${tx.version}`,
          )
        }
        return tx
      }
      default:
        throw new JsonRpcError(-32601, 'Method not found')
    }
  })

  return {
    rpcUrl: server.url,
    network: `solana:${options.genesisHash.slice(0, 32)}`,
    signatures: [...recorded.keys()],
    stop: server.close,
  }
}

// A mint account as getAccountInfo answers it (base64): initialized, no authorities, no supply.
function madeUpMints(transactions: readonly RecordedTransaction[]): Map<string, unknown> {
  const mints = new Map<string, unknown>()
  for (const tx of transactions) {
    for (const balance of [
      ...(tx.meta?.preTokenBalances ?? []),
      ...(tx.meta?.postTokenBalances ?? []),
    ]) {
      if (mints.has(balance.mint)) continue
      const data = Buffer.alloc(MINT_SIZE)
      MintLayout.encode(
        {
          mintAuthorityOption: 0,
          mintAuthority: PublicKey.default,
          supply: 0n,
          decimals: balance.uiTokenAmount.decimals,
          isInitialized: true,
          freezeAuthorityOption: 0,
          freezeAuthority: PublicKey.default,
        },
        data,
      )
      mints.set(balance.mint, {
        data: [data.toString('base64'), 'base64'],
        executable: false,
        lamports: 1_461_600,
        owner: balance.programId ?? TOKEN_PROGRAM_ID.toBase58(),
        rentEpoch: 0,
        space: MINT_SIZE,
      })
    }
  }
  return mints
}

interface RecordedTokenBalance {
  mint: string
  programId?: string
  uiTokenAmount: { decimals: number }
}

interface RecordedTransaction {
  slot: number
  version?: 'legacy' | number
  meta?: {
    err?: unknown
    preTokenBalances?: RecordedTokenBalance[]
    postTokenBalances?: RecordedTokenBalance[]
  } | null
  transaction?: { signatures?: string[] }
}
