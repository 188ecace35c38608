import { callPaidEndpoint, creditBalanceOf, memoryJournal, type Payer } from '@tx402/client'
import { formatAmount } from '@tx402/core'

/** What the agent's credit run ended with. */
export interface CreditRun {
  /** Status of every call, in order. */
  statuses: number[]
  /** Transfers the agent signed (the pack, and top-ups). */
  transfers: number
  /** Calls served from the balance without a payment on chain. */
  credited: number
  /** Base units left at the end. */
  remaining?: bigint
}

/**
 * The demo's agent with prepaid credit: calls `path` `calls` times on one chain, allowed to buy
 * the smallest pack the route sells (`credit: { buy: 'smallest' }`, within a 0.05 USDC cap):
 * the first call pays the pack on chain, the next ones send only `x-payment-credit`, and each
 * prints the balance the server reports.
 */
export async function runCreditAgent(
  url: string,
  path: string,
  chain: string,
  payer: Payer,
  calls: number,
  log: (line: string) => void,
): Promise<CreditRun> {
  const run: CreditRun = { statuses: [], transfers: 0, credited: 0 }
  const observedFetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init)
    const token = request.headers.has('x-payment-credit')
    const tx = request.headers.has('x-payment-tx')
    const sent =
      token && tx
        ? ' with x-payment-tx and x-payment-credit (a top-up of the balance)'
        : token
          ? ' with x-payment-credit (no payment on chain)'
          : tx
            ? ' with x-payment-tx'
            : ''
    log(`  → ${request.method} ${path}${sent}`)
    const response = await fetch(request)
    if (response.status === 402) {
      const { error } = (await response.clone().json()) as { error?: string }
      log(`  ← 402 ${error}`)
    }
    return response
  }
  const counting: Payer = {
    ...payer,
    getNetwork: () => payer.getNetwork(),
    supports: (asset) => payer.supports(asset),
    async sign(option, limits) {
      run.transfers++
      log(
        `  ✎ signed a transfer of ${formatAmount(BigInt(option.amount), option.asset.decimals)} ${option.asset.symbol}: a credit pack`,
      )
      return payer.sign(option, limits)
    },
  }
  const options = {
    payers: [counting],
    preferredChains: [chain],
    maxAmount: { USDC: '0.05' },
    credit: { buy: 'smallest' as const },
    journal: memoryJournal(),
    timeoutMs: 60_000,
    fetch: observedFetch,
  }
  for (let i = 1; i <= calls; i++) {
    const response = await callPaidEndpoint(`${url}${path}`, {}, options)
    run.statuses.push(response.status)
    const balance = creditBalanceOf(response)
    const paidOnChain = response.headers.has('payment-response')
    if (!paidOnChain && balance) run.credited++
    const left = balance ? `${formatAmount(balance.remaining, 6)} USDC left` : 'no credit'
    const expiry = balance?.expiresAt ? `, expires ${balance.expiresAt.toISOString()}` : ''
    log(
      `  ★ call ${i}: ${response.status} ${JSON.stringify(await response.json())} ${paidOnChain ? '(paid a pack on chain)' : '(from credit)'}: ${left}${expiry}`,
    )
    if (balance) run.remaining = balance.remaining
  }
  return run
}
