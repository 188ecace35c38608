// The peer in its own process: bare Express at /bare, x402-express (v1) at /paid.
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { paymentMiddleware } from 'x402-express'
import { childConfig, failStartup, serveParent } from '../infra/childSide.js'
import { paddedBody } from './paddedBody.js'

/** What the parent passes to this process. */
export interface ExpressServerConfig {
  payTo: `0x${string}`
  /** A closed loopback URL: the 402 path never calls the facilitator, and nothing else runs. */
  facilitatorUrl: `${string}://${string}`
}

const config = childConfig<ExpressServerConfig>()

try {
  const app = express()
  let bare: object = { ok: true }
  app.get('/bare', (_req, res) => {
    res.json(bare)
  })
  // On the paid route only, as @tx402/koa is, so the bare route pays no route matching.
  app.get(
    '/paid',
    paymentMiddleware(
      config.payTo,
      { 'GET /paid': { price: '$0.01', network: 'base-sepolia' } },
      { url: config.facilitatorUrl },
    ),
    (_req, res) => {
      res.json({ city: 'Lisbon', forecast: 'sunny', temperatureC: 21 })
    },
  )
  const server: Server = app.listen(0, '127.0.0.1')
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', reject)
  })
  server.keepAliveTimeout = 60_000
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const first = await fetch(`${url}/paid`)
  if (first.status !== 402) throw new Error(`x402-express answered ${first.status}, not 402`)
  const challengeBytes = (await first.text()).length
  bare = paddedBody(challengeBytes)

  serveParent({ url, challengeBytes }, {}, async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
} catch (error) {
  failStartup(error)
}
