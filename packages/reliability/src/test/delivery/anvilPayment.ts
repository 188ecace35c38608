import { request } from 'node:http'
import {
  decodeBase64Json,
  type PaymentRequiredBody,
  type PaymentResponse,
  proofMessage,
} from '@tx402/core'
import { testTokenAbi } from '@tx402/testing/evm'
import type { Address, Hash } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import type { AnvilCredit } from '../credit/anvilCredit.js'

/** A payment made on anvil as a 402 asked, and the headers that present it. */
export interface AnvilPayment {
  hash: Hash
  headers: Record<string, string>
}

/**
 * Pays what the 402 of `method url` asks (or `amount` base units), from dev account `account`,
 * and returns the headers that present it: transaction, chain, challenge and the payer's proof.
 * Throws when `url` does not answer 402.
 *
 * @example const { headers } = await payOnAnvil(lab, `${app.url}/api/own`)
 */
export async function payOnAnvil(
  lab: AnvilCredit,
  url: string,
  {
    method = 'GET',
    amount,
    account = 1,
  }: { method?: string; amount?: bigint; account?: number } = {},
): Promise<AnvilPayment> {
  const challenged = await fetch(url, { method })
  if (challenged.status !== 402)
    throw new Error(`expected a 402 from ${url}, got ${challenged.status}`)
  const body = (await challenged.json()) as PaymentRequiredBody
  const offer = body.accepts[0]!
  const hash = await lab.node.wallet(account).writeContract({
    address: lab.token,
    abi: testTokenAbi,
    functionName: 'transfer',
    args: [offer.payTo as Address, amount ?? BigInt(offer.amount)],
  })
  await lab.node.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 })
  const signer = privateKeyToAccount(lab.node.accounts[account]!.privateKey)
  const proof = await signer.signMessage({
    message: proofMessage({ network: offer.network, txId: hash, challengeId: body.challenge.id }),
  })
  return {
    hash,
    headers: {
      'x-payment-tx': hash,
      'x-payment-chain': offer.chain,
      'x-payment-challenge': body.challenge.id,
      'x-payment-proof': proof,
    },
  }
}

/** `PAYMENT-RESPONSE` of a response, decoded; undefined when absent. */
export const receiptOf = (response: { headers: Headers }) => {
  const header = response.headers.get('payment-response')
  return header ? decodeBase64Json<PaymentResponse>(header) : undefined
}

/**
 * GETs `url` with `headers` and reads the body until it holds `stopAt`, then drops the
 * connection (a client that leaves mid-body). Resolves with the status and what it read;
 * `stopAt` never seen: the whole body.
 *
 * @example const { read } = await readThenDrop(`${url}/api/chunks`, headers, 'chunk-8;')
 */
export function readThenDrop(
  url: string,
  headers: Record<string, string>,
  stopAt: string,
): Promise<{ status: number; read: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false }, (res) => {
      let read = ''
      res.setEncoding('utf8')
      res.on('data', (text: string) => {
        read += text
        if (read.includes(stopAt)) {
          req.destroy()
          resolve({ status: res.statusCode ?? 0, read })
        }
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, read }))
      res.on('error', () => resolve({ status: res.statusCode ?? 0, read }))
    })
    req.on('error', (error) => {
      if (!req.destroyed) reject(error)
    })
    req.end()
  })
}
