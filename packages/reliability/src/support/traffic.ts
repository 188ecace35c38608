import { setTimeout as sleep } from 'node:timers/promises'
import { decodeBase64Json, type PaymentRequiredBody } from '@tx402/core'
import { testTokenAbi } from '@tx402/testing/evm'
import type { Address, Hash } from 'viem'
import type { ApiProcess } from './apiProcess.js'
import type { FaultLab } from './faultLab.js'
import { findLeak } from './leaks.js'
import type { Prng } from './prng.js'

/** When a request was sent, relative to the fault. */
export type Phase = 'before' | 'fault' | 'after' | 'recovery'

/**
 * What a request was: a challenge (no payment headers), a paid transaction presented, a paid
 * transaction held by `/api/hold`, or an unpaid probe expecting `expected`.
 */
export type Kind = 'challenge' | 'payment' | 'hold' | 'unpaid'

/** One request and its answer. */
export interface Exchange {
  kind: Kind
  /** For unpaid probes: what it tries (`random-hash`, `wrong-recipient`, `replay`…). */
  probe?: string
  /** For unpaid probes: the `error` a correct server answers. */
  expected?: string
  /** Canonical tx id, when the request carried one. */
  tx?: string
  api: ApiProcess
  phase: Phase
  /** HTTP status, or `no answer` (connection refused or reset). */
  status: number | 'no answer'
  /** `error` of the body. */
  error?: string
  /** On 200: the transaction the handler says it served. */
  served?: string
  /** On 200: `PAYMENT-RESPONSE` says it re-delivers a response already paid for. */
  redelivered?: boolean
  /** The Retry-After header, if any. */
  retryAfter?: string
  /** What the response leaked, if anything. */
  leak?: string
}

/** A paid transaction of this scenario. */
export interface Payment {
  tx: Hash
  /** The challenge it paid against; empty to present it without one. */
  challengeId: string
}

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
    private readonly rng: Prng,
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
    exchange.status = response.status
    const paymentResponse = response.headers.get('payment-response')
    if (paymentResponse) {
      const receipt = decodeBase64Json<{ redelivered?: boolean }>(paymentResponse)
      if (receipt.redelivered) exchange.redelivered = true
    }
    const retryAfter = response.headers.get('retry-after')
    if (retryAfter) exchange.retryAfter = retryAfter
    const shown = [text]
    response.headers.forEach((value, name) => {
      shown.push(`${name}: ${value}`)
    })
    const required = response.headers.get('payment-required')
    if (required) shown.push(JSON.stringify(decodeBase64Json(required)))
    const leak = findLeak(shown.join('\n'), this.lab.secrets)
    if (leak) exchange.leak = leak
    try {
      const body = JSON.parse(text) as { error?: string; served?: string }
      if (body.error) exchange.error = body.error
      if (body.served) exchange.served = body.served
      if (response.status === 402) exchange.body = body as PaymentRequiredBody
    } catch {
      // Not JSON: the checks flag the status.
    }
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
  async freeloaderLoop(wrongRecipientTx: string, pauseMs: number, count: number): Promise<void> {
    const probes = ['random-hash', 'wrong-recipient', 'replay', 'forged-challenge', 'no-chain']
    for (let n = 0; n < count && !this.stopped; n++) {
      const probe = probes[n % probes.length]!
      const randomTx = `0x${Buffer.from(this.rng.bytes(32)).toString('hex')}`
      const replayable = this.servedTxs()
      const send = (tx: string, headers: Record<string, string>, expected: string) =>
        this.send(this.anyApi(), '/api/paid', headers, { kind: 'unpaid', probe, expected, tx })
      if (probe === 'random-hash') {
        this.unpaid.add(randomTx)
        await send(
          randomTx,
          { 'x-payment-tx': randomTx, 'x-payment-chain': 'base' },
          'tx_not_found',
        )
      } else if (probe === 'wrong-recipient') {
        await send(
          wrongRecipientTx,
          { 'x-payment-tx': wrongRecipientTx, 'x-payment-chain': 'base' },
          'wrong_recipient',
        )
      } else if (probe === 'replay' && replayable.length > 0) {
        const tx = this.rng.pick(replayable)
        await send(
          tx,
          {
            'x-payment-tx': tx.toUpperCase().replace('0X', '0x'),
            'x-payment-chain': 'EIP155:8453',
          },
          'tx_already_used',
        )
      } else if (probe === 'forged-challenge') {
        this.unpaid.add(randomTx)
        const forged = `c1.${Buffer.from('{"m":"GET","p":"/api/paid"}').toString('base64url')}.AAAA`
        await send(
          randomTx,
          { 'x-payment-tx': randomTx, 'x-payment-chain': 'base', 'x-payment-challenge': forged },
          'challenge_invalid',
        )
      } else if (probe === 'no-chain') {
        this.unpaid.add(randomTx)
        await send(randomTx, { 'x-payment-tx': randomTx }, 'invalid_payment_headers')
      }
      await sleep(pauseMs)
    }
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
