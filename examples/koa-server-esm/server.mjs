// A paid Koa API in plain JavaScript (ESM): GET /api/weather and GET /api/forecast cost 0.01 USDC
// each, on Base.
//   BASE_RPC_URL, BASE_PAY_TO, TX402_SECRET (32+ bytes) are required; PORT defaults to 3000.
//   BASE_USDC: a local chain's test USDC (e.g. on anvil); unset on Base mainnet.
import Router from '@koa/router'
import { base } from '@tx402/chain-base'
import { paymentRequired } from '@tx402/koa'
import { embeddedLedger } from '@tx402/ledger'
import Koa from 'koa'

const env = process.env
const localUsdc = env.BASE_USDC
  ? {
      assets: [{ standard: 'erc20', address: env.BASE_USDC, symbol: 'USDC', decimals: 6 }],
      confirmations: 1,
    }
  : {}

const paid = paymentRequired({
  price: '0.01',
  asset: 'USDC',
  chains: [base({ rpcUrl: env.BASE_RPC_URL, payTo: env.BASE_PAY_TO, ...localUsdc })],
  ledger: embeddedLedger({ dataDir: env.TX402_DATA_DIR ?? '.tx402-data' }),
  secret: env.TX402_SECRET,
})
// Fails here, naming the chain or the ledger, rather than after payers were asked to pay.
await paid.ready()

const router = new Router()
router.get('/api/weather', paid, (ctx) => {
  ctx.body = { forecast: 'sunny', paidBy: ctx.state.payment.payer }
})
// Each route is paid for on its own: a payment for /api/weather buys nothing here.
router.get('/api/forecast', paid, (ctx) => {
  ctx.body = { days: ['sunny', 'cloudy', 'rain'], paidBy: ctx.state.payment.payer }
})
router.get('/api/health', async (ctx) => {
  const health = await paid.health()
  ctx.status = health.ok ? 200 : 503
  ctx.body = health
})

const server = new Koa().use(router.routes()).listen(Number(env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`)
})
