import { setTimeout as sleep } from 'node:timers/promises'
import type { Traffic } from './traffic.js'

/**
 * The freeloader: requests that pay for nothing, one every `pauseMs` until `traffic` stops (at
 * most `count`), cycling through a random hash, a transfer to someone else, a replay of a served
 * payment, a forged challenge and a missing chain. Each records the `error` a correct server
 * answers; the hashes no one paid for go to `traffic.unpaid`.
 *
 * @example await freeloaderLoop(traffic, wrongRecipientTx, 50, 200)
 */
export async function freeloaderLoop(
  traffic: Traffic,
  wrongRecipientTx: string,
  pauseMs: number,
  count: number,
): Promise<void> {
  const probes = ['random-hash', 'wrong-recipient', 'replay', 'forged-challenge', 'no-chain']
  for (let n = 0; n < count && !traffic.isStopped; n++) {
    const probe = probes[n % probes.length]!
    const randomTx = `0x${Buffer.from(traffic.rng.bytes(32)).toString('hex')}`
    const replayable = traffic.servedTxs()
    const send = (tx: string, headers: Record<string, string>, expected: string) =>
      traffic.send(traffic.anyApi(), '/api/paid', headers, { kind: 'unpaid', probe, expected, tx })
    if (probe === 'random-hash') {
      traffic.unpaid.add(randomTx)
      await send(randomTx, { 'x-payment-tx': randomTx, 'x-payment-chain': 'base' }, 'tx_not_found')
    } else if (probe === 'wrong-recipient') {
      await send(
        wrongRecipientTx,
        { 'x-payment-tx': wrongRecipientTx, 'x-payment-chain': 'base' },
        'wrong_recipient',
      )
    } else if (probe === 'replay' && replayable.length > 0) {
      const tx = traffic.rng.pick(replayable)
      await send(
        tx,
        {
          'x-payment-tx': tx.toUpperCase().replace('0X', '0x'),
          'x-payment-chain': 'EIP155:8453',
        },
        'tx_already_used',
      )
    } else if (probe === 'forged-challenge') {
      traffic.unpaid.add(randomTx)
      const forged = `c1.${Buffer.from('{"m":"GET","p":"/api/paid"}').toString('base64url')}.AAAA`
      await send(
        randomTx,
        { 'x-payment-tx': randomTx, 'x-payment-chain': 'base', 'x-payment-challenge': forged },
        'challenge_invalid',
      )
    } else if (probe === 'no-chain') {
      traffic.unpaid.add(randomTx)
      await send(randomTx, { 'x-payment-tx': randomTx }, 'invalid_payment_headers')
    }
    await sleep(pauseMs)
  }
}
