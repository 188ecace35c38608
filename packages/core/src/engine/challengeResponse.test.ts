import assert from 'node:assert/strict'
import { memoryLedger } from '../memoryLedger.js'
import type { ChallengeContext } from '../plugin.js'
import type { AcceptOption, PaymentRequiredBody } from '../protocol/types.js'
import { silent } from '../test/engineSupport.js'
import { scriptedChain } from '../testing/scriptedChain.js'
import { createPaymentEngine } from './createPaymentEngine.js'
import type { RespondOutcome } from './outcome.js'

// A 402's PAYMENT-REQUIRED is the base64 of its body's JSON, built from kept parts
// (challengeResponse.ts): it must stay the very bytes JSON.stringify(body) gives, whatever the
// plugin's accepts fields do between challenges.

describe('402 body and PAYMENT-REQUIRED', () => {
  const engineWith = (acceptsFields: (context: ChallengeContext) => Partial<AcceptOption>) => {
    const { plugin } = scriptedChain()
    return createPaymentEngine({
      price: '0.01',
      asset: 'USDC',
      secret: 'challenge-response-secret-32-bytes-long!',
      logger: silent,
      chains: [{ ...plugin, acceptsFields }],
      ledger: memoryLedger(),
    })
  }
  const ask = async (engine: ReturnType<typeof engineWith>, path = '/api/weather') => {
    const outcome = (await engine.handle({ method: 'GET', path, headers: {} })) as RespondOutcome
    assert.equal(outcome.status, 402)
    const text = Buffer.from(outcome.headers['payment-required']!, 'base64').toString('utf8')
    return { body: outcome.body as PaymentRequiredBody, text }
  }

  it('is JSON.stringify(body) byte for byte while accepts fields change, stay, or follow the challenge', async () => {
    let fee: { basisPoints: number } | undefined
    let confirmations = 1
    const engine = engineWith((context) => ({
      minConfirmations: confirmations,
      ...(fee ? { transferFee: fee as never } : {}),
      ...(confirmations > 2 ? { reference: context.id.slice(-8) } : {}),
    }))
    const seen: string[] = []
    for (const step of [0, 0, 1, 1, 2, 2, 3, 3]) {
      if (step === 1) confirmations = 2
      if (step === 2) fee = { basisPoints: 5 }
      if (step === 3) {
        // The same object, changed inside: must not be taken for the fields already written.
        fee!.basisPoints = 7
        confirmations = 3
      }
      for (const path of ['/api/weather', '/api/ünïcode "quoted"\\']) {
        const { body, text } = await ask(engine, path)
        assert.equal(text, JSON.stringify(body))
        seen.push(JSON.stringify(body.accepts))
      }
    }
    const last = JSON.parse(seen.at(-1)!)[0]
    assert.equal(last.minConfirmations, 3)
    assert.deepEqual(last.transferFee, { basisPoints: 7 })
    assert.equal(typeof last.reference, 'string')
  })

  it('gives each 402 its own accepts entries: editing one body leaves the next alone', async () => {
    const engine = engineWith(() => ({ minConfirmations: 1 }))
    const first = await ask(engine)
    first.body.accepts[0]!.amount = '1'
    first.body.accepts.push({ ...first.body.accepts[0]! })
    const second = await ask(engine)
    assert.equal(second.body.accepts.length, 1)
    assert.equal(second.body.accepts[0]!.amount, '10000')
    assert.equal(second.text, JSON.stringify(second.body))
    assert.notEqual(second.body.challenge.id, first.body.challenge.id)
  })

  it('follows a plugin that hands back one fields object, changed in place', async () => {
    // Legal for a plugin: the same object each call, its minConfirmations raised in between.
    const fields = { minConfirmations: 1 }
    const engine = engineWith(() => fields)
    assert.equal((await ask(engine)).body.accepts[0]!.minConfirmations, 1)
    fields.minConfirmations = 5
    const { body, text } = await ask(engine)
    assert.equal(body.accepts[0]!.minConfirmations, 5)
    assert.equal(text, JSON.stringify(body))
  })
})
