import { Connection, type Keypair } from '@solana/web3.js'
import type { Payer } from '@tx402/client'
import { callPaidEndpoint } from '@tx402/client'
import { evmPayer } from '@tx402/client/evm'
import { solanaPayer } from '@tx402/client/solana'
import {
  decodeBase64Json,
  formatAmount,
  type PaymentRequiredBody,
  type PaymentResponse,
} from '@tx402/core'
import type { AnvilNode } from '@tx402/testing/evm'

/** What one paid call of the agent ended with. */
export interface AgentResult {
  chain: string
  status: number
  transaction?: string
  amount?: string
  replayStatus?: number
  replayError?: string
  ms: number
}

/**
 * The demo's agent: calls `path` paying on one chain with `@tx402/client`, printing each step as
 * it happens, then presents the same transaction again with only its hash, as anyone watching
 * the chain could, to show that refused.
 */
export async function payAndCall(
  url: string,
  path: string,
  chain: string,
  payer: Payer,
  log: (line: string) => void,
): Promise<AgentResult> {
  const started = performance.now()
  let lastPayment: Record<string, string> = {}
  const observedFetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init)
    const paying = request.headers.get('x-payment-tx')
    if (paying) {
      lastPayment = {
        'x-payment-tx': paying,
        'x-payment-chain': request.headers.get('x-payment-chain') ?? '',
      }
      log(`  → ${request.method} ${path} with x-payment-tx ${short(paying)}`)
    } else {
      log(`  → ${request.method} ${path}`)
    }
    const response = await fetch(request)
    if (response.status === 402) {
      const body = (await response.clone().json()) as PaymentRequiredBody
      const option = body.accepts?.find((o) => o.chain === chain || o.network === chain)
      const price = option
        ? `${formatAmount(BigInt(option.amount), option.asset.decimals)} ${option.asset.symbol}`
        : body.cost?.amount
      log(
        `  ← 402 ${body.error}: ${price} to ${option ? short(option.payTo) : '?'} on ${option?.chain ?? chain} (accepts: ${body.accepts?.map((o) => o.chain).join(', ')})`,
      )
    } else {
      log(
        `  ← ${response.status}${response.headers.get('retry-after') ? ` (retry after ${response.headers.get('retry-after')} s)` : ''}`,
      )
    }
    return response
  }

  const loggingPayer: Payer = {
    ...payer,
    getNetwork: () => payer.getNetwork(),
    supports: (asset) => payer.supports(asset),
    signsProofs: payer.signsProofs,
    async sign(option, limits) {
      const signed = await payer.sign(option, limits)
      log(
        `  ✎ signed a transfer of ${formatAmount(BigInt(option.amount), option.asset.decimals)} ${option.asset.symbol}: ${short(signed.txId)}`,
      )
      return signed
    },
    async broadcast(payment) {
      await payer.broadcast(payment)
      log('  ↗ transaction sent')
    },
    status: (payment) => payer.status(payment),
    async confirm(payment, option, deadline) {
      const confirmed = await payer.confirm(payment, option, deadline)
      log(
        `  ✓ confirmed (${option.minConfirmations ? `${option.minConfirmations} confirmation(s)` : option.commitment})`,
      )
      return confirmed
    },
    signProof: (message) => payer.signProof(message),
  }

  const response = await callPaidEndpoint(
    `${url}${path}`,
    {},
    {
      payers: [loggingPayer],
      preferredChains: [chain],
      maxAmount: { USDC: '0.05' },
      timeoutMs: 60_000,
      fetch: observedFetch,
    },
  )
  const result: AgentResult = { chain, status: response.status, ms: 0 }
  const receiptHeader = response.headers.get('payment-response')
  if (receiptHeader) {
    const receipt = decodeBase64Json<PaymentResponse>(receiptHeader)
    result.transaction = receipt.transaction
    result.amount = `${formatAmount(BigInt(receipt.amount), receipt.asset.decimals)} ${receipt.asset.symbol}`
    log(`  ★ ${response.status} ${JSON.stringify(await response.json())}`)
    log(
      `    PAYMENT-RESPONSE: ${receipt.amount} base units of ${receipt.asset.symbol} from ${short(receipt.payer)}, tx ${short(receipt.transaction)}`,
    )
  }
  result.ms = Math.round(performance.now() - started)
  if (lastPayment['x-payment-tx']) {
    // As anyone watching the chain could: the transaction alone, without the payer's challenge
    // (with it, the payer's lost response would be re-delivered).
    const replay = await fetch(`${url}${path}`, {
      headers: {
        'x-payment-tx': lastPayment['x-payment-tx'],
        ...(lastPayment['x-payment-chain']
          ? { 'x-payment-chain': lastPayment['x-payment-chain'] }
          : {}),
      },
    })
    result.replayStatus = replay.status
    result.replayError = ((await replay.json()) as { error?: string }).error ?? ''
    log(
      `  ↺ replaying the same transaction as an observer of the chain could (hash only): ${replay.status} ${result.replayError}`,
    )
  }
  return result
}

/** The agent's payer on an anvil node: dev account 1. */
export function anvilPayer(node: AnvilNode, usdc: `0x${string}`): Payer {
  // The test USDC is declared by address: the client pays no unknown token by default.
  return evmPayer({
    walletClient: node.wallet(1),
    publicClient: node.publicClient,
    assets: [{ address: usdc, symbol: 'USDC', decimals: 6 }],
  })
}

/** The agent's payer on the local Solana RPC. */
export function localSolanaPayer(rpcUrl: string, agent: Keypair, usdcMint: string): Payer {
  return solanaPayer({
    connection: new Connection(rpcUrl, 'confirmed'),
    signer: agent,
    assets: [{ address: usdcMint, symbol: 'USDC', decimals: 6 }],
  })
}

function short(value: string): string {
  return value.length > 20 ? `${value.slice(0, 10)}…${value.slice(-6)}` : value
}
