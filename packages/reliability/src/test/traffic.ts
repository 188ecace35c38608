import { setTimeout as sleep } from 'node:timers/promises'
import type { PaymentRequiredBody } from '@tx402/core'
import { testTokenAbi } from '@tx402/testing/evm'
import type { Address } from 'viem'
import type { ApiProcess } from './apiProcess.js'
import { type Exchange, type Payment, type Phase, recordAnswer } from './exchange.js'
import type { FaultLab } from './faultLab.js'
import { freeloaderLoop } from './freeloader.js'
import type { Prng } from './prng.js'

const requestTimeoutMs = 20_000
// Retries come quicker than Retry-After asks (1–2 s), to keep the scenario short.
const retryDelayMs = 150

/**
 * Drives paid traffic against the lab's API processes and records every exchange: payers that
 * read the 402, pay on anvil with viem and present the transaction to two processes at once
 * (until served or refused), and a freeloader whose probes must never be served.
 */
export class Traffic {
  phase: Phase = 'before'
  readonly exchanges: Exchange[] = []
  readonly payments: Payment[] = []
  /** Tx ids the freeloader sent that no one paid for. */
  readonly unpaid = new Set<string>()
  private stopped = false
  private spelling = 0

  constructor(
    private readonly lab: FaultLab,
    /** Draws the random choices; the freeloader draws from it too. */
    readonly rng: Prng,
    /** Served payments of earlier scenarios, for replays. */
    private readonly servedBefore: readonly string[],
  ) {}

  /** Stops the loops from starting anything new. */
  stop(): void {
    this.stopped = true
  }

  get isStopped(): boolean {
    return this.stopped
  }

  /** Sends one request to `api` and records it. */
  async send(
    api: ApiProcess,
    path: string,
    headers: Record<string, string>,
    record: Pick<Exchange, 'kind' | 'probe' | 'expected' | 'tx'>,
  ): Promise<Exchange & { body?: PaymentRequiredBody }> {
    const exchange: Exchange & { body?: PaymentRequiredBody } = {
      ...record,
      api,
      phase: this.phase,
      status: 'no answer',
    }
    this.exchanges.push(exchange)
    let response: Response
    let text: string
    try {
      response = await fetch(`${api.url}${path}`, {
        headers,
        signal: AbortSignal.timeout(requestTimeoutMs),
      })
      text = await response.text()
    } catch {
      return exchange
    }
    recordAnswer(exchange, response, text, this.lab.secrets)
    return exchange
  }

  /** A live API process, at random. */
  anyApi(): ApiProcess {
    return this.rng.pick(this.lab.apis)
  }

  /** The 402 of the paid route, from any live process (retried if one is down). */
  async challenge(): Promise<PaymentRequiredBody> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const answer = await this.send(this.anyApi(), '/api/paid', {}, { kind: 'challenge' })
      if (answer.body?.accepts) return answer.body
      await sleep(retryDelayMs)
    }
    throw new Error('no API process answered the challenge')
  }

  /** Pays what the 402 asks, from dev account `account`, on the chain itself (not via the proxy). */
  async pay(account: number, challenge: PaymentRequiredBody): Promise<Payment> {
    const offer = challenge.accepts[0]!
    if (offer.asset.standard !== 'erc20') throw new Error('expected an ERC-20 offer')
    const tx = await this.lab.node.wallet(account).writeContract({
      address: offer.asset.address as Address,
      abi: testTokenAbi,
      functionName: 'transfer',
      args: [offer.payTo as Address, BigInt(offer.amount)],
    })
    await this.lab.node.publicClient.waitForTransactionReceipt({ hash: tx, pollingInterval: 20 })
    const payment = { tx, challengeId: challenge.challenge.id }
    this.payments.push(payment)
    return payment
  }

  /**
   * Pays from `account` and presents the payment to `api`'s `/api/hold` (its handler waits after
   * the claim) or `/api/hold-send` (its response stops half-way); resolves once it waits.
   * `answer` is that request's exchange, to come.
   */
  async hold(
    api: ApiProcess,
    account: number,
    path: '/api/hold' | '/api/hold-send' = '/api/hold',
  ): Promise<{ payment: Payment; answer: Promise<Exchange> }> {
    const challenge = await this.send(api, path, {}, { kind: 'challenge' })
    if (!challenge.body?.accepts) throw new Error(`no challenge from ${api.name}'s ${path}`)
    const payment = await this.pay(account, challenge.body)
    // Paid against /api/hold's challenge; presented again to /api/paid, so without it.
    payment.challengeId = ''
    const answer = this.send(api, path, this.headers(payment), {
      kind: 'hold',
      tx: payment.tx,
    })
    await api.waitFor((line) => line.event === 'held' && line.tx === payment.tx, 30_000)
    return { payment, answer }
  }

  /** Payment headers, in one of the spellings of the same payment. */
  headers(payment: Payment): Record<string, string> {
    const spelling = this.spelling++ % 3
    return {
      'x-payment-tx': spelling === 2 ? payment.tx.slice(2).toUpperCase() : payment.tx,
      'x-payment-chain': spelling === 1 ? 'eip155:8453' : 'base',
      ...(payment.challengeId ? { 'x-payment-challenge': payment.challengeId } : {}),
    }
  }

  /**
   * Presents a payment to two live processes at once: `served` once one served it, `used` when
   * it was refused as already used, `refused` on another final 402, `retry` otherwise (503, 409,
   * 429, no answer).
   */
  async presentOnce(payment: Payment): Promise<'served' | 'used' | 'refused' | 'retry'> {
    const apis = [...this.lab.apis].sort(() => this.rng.next() - 0.5).slice(0, 2)
    const answers = await Promise.all(
      apis.map((api) =>
        this.send(api, '/api/paid', this.headers(payment), { kind: 'payment', tx: payment.tx }),
      ),
    )
    if (answers.some((answer) => answer.status === 200)) return 'served'
    if (answers.some((answer) => answer.error === 'tx_already_used')) return 'used'
    if (answers.some((answer) => answer.status === 402 && answer.error !== 'payment_pending')) {
      return 'refused'
    }
    return 'retry'
  }

  /** One client: read the 402, pay, present until served or refused; `count` times at most. */
  async payerLoop(account: number, count: number): Promise<void> {
    for (let n = 0; n < count && !this.stopped; n++) {
      const payment = await this.pay(account, await this.challenge())
      while (!this.stopped && (await this.presentOnce(payment)) === 'retry') {
        await sleep(retryDelayMs)
      }
    }
  }

  /** Requests that pay for nothing, one every `pauseMs` until stopped (at most `count`). */
  freeloaderLoop(wrongRecipientTx: string, pauseMs: number, count: number): Promise<void> {
    return freeloaderLoop(this, wrongRecipientTx, pauseMs, count)
  }

  /** Transactions served so far (this scenario's and earlier ones'). */
  servedTxs(): string[] {
    const now = this.exchanges.flatMap((e) => (e.status === 200 && e.served ? [e.served] : []))
    return [...this.servedBefore, ...now]
  }

  /**
   * Presents every payment not yet served until it is, within `timeoutMs` (claims left by a
   * crash lapse in the meantime).
   */
  async recover(timeoutMs: number): Promise<void> {
    this.phase = 'recovery'
    const deadline = Date.now() + timeoutMs
    const served = new Set(this.servedTxs())
    await Promise.all(
      this.payments
        .filter((payment) => !served.has(payment.tx))
        .map(async (payment) => {
          while (Date.now() < deadline) {
            const result = await this.presentOnce(payment)
            // Already used and not served here: presenting it again cannot change that.
            if (result === 'served' || result === 'used') return
            await sleep(retryDelayMs)
          }
        }),
    )
  }
}
