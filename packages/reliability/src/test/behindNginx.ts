import { type PaymentRequiredBody, proofMessage } from '@tx402/core'
import { testTokenAbi } from '@tx402/testing/evm'
import type { Address } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import type { AnvilCredit } from './credit/anvilCredit.js'

/**
 * Pays on anvil what the 402 of `method url` asks for (dev account `account` transfers `amount`
 * base units, or the price, and signs the proof), and returns the payment headers to send.
 *
 * @example const headers = await paymentHeaders(lab, `${nginx.url}/api/cached`)
 */
export async function paymentHeaders(
  lab: AnvilCredit,
  url: string,
  {
    method = 'GET',
    amount,
    account = 1,
  }: { method?: string; amount?: bigint; account?: number } = {},
): Promise<Record<string, string>> {
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
    'x-payment-tx': hash,
    'x-payment-chain': offer.chain,
    'x-payment-challenge': body.challenge.id,
    'x-payment-proof': proof,
  }
}
