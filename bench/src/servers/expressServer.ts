// The peer in its own process: bare Express at /bare, x402-express (v1) at /paid.
import express from 'express'
import { paymentMiddleware } from 'x402-express'
import { childConfig, failStartup, serveParent } from '../infra/childSide.js'
import { paddedBody } from './paddedBody.js'
import { serveOnLoopback } from './serveOnLoopback.js'

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
  const server = await serveOnLoopback(app)
  bare = paddedBody(server.challengeBytes)

  serveParent({ url: server.url, challengeBytes: server.challengeBytes }, {}, () => server.close())
} catch (error) {
  failStartup(error)
}
