import { Connection } from '@solana/web3.js'
import { createPublicClient, http } from 'viem'
import type { ConfiguredChain } from './chains.js'

/** What the chain says of a transaction beyond the verdict, for people reading `verify`. */
export interface ChainFacts {
  /** EVM: blocks since the transaction's block, counting its own. Solana: the status's count (null once finalized). */
  confirmations: number | null
  /** Solana's commitment (`processed`, `confirmed`, `finalized`); null on EVM. */
  commitment: string | null
  /** Unix seconds of the transaction's block. */
  blockTime: number | null
}

const none: ChainFacts = { confirmations: null, commitment: null, blockTime: null }

/**
 * Reads a transaction's depth and block time with viem or web3.js. Best effort: a transaction
 * the RPC does not know, or a fault, gives nulls (the verdict already says why).
 *
 * @example await chainFacts(chain, '0xabc…') // { confirmations: 3, commitment: null, blockTime: 1764… }
 */
export async function chainFacts(chain: ConfiguredChain, txId: string): Promise<ChainFacts> {
  try {
    if (chain.family === 'evm') {
      const client = createPublicClient({ transport: http(chain.rpcUrl, { retryCount: 0 }) })
      const receipt = await client.getTransactionReceipt({ hash: txId as `0x${string}` })
      const [confirmations, block] = await Promise.all([
        client.getTransactionConfirmations({ transactionReceipt: receipt }),
        client.getBlock({ blockNumber: receipt.blockNumber }),
      ])
      return {
        confirmations: Number(confirmations),
        commitment: null,
        blockTime: Number(block.timestamp),
      }
    }
    const connection = new Connection(chain.rpcUrl, 'confirmed')
    const { value } = await connection.getSignatureStatus(txId)
    if (!value) return none
    const tx = await connection.getParsedTransaction(txId, {
      commitment: 'confirmed',
      maxSupportedTransactionVersion: 0,
    })
    return {
      confirmations: value.confirmations,
      commitment: value.confirmationStatus ?? null,
      blockTime: tx?.blockTime ?? null,
    }
  } catch {
    return none
  }
}
