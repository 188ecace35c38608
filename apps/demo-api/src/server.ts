import { DemoConfigError, loadConfig } from './config.js'
import { startServer } from './startServer.js'

// `pnpm --filter @tx402/demo-api start`: the demo API on the chains and ledger named by the
// environment (README, "Configuration").
try {
  const config = loadConfig(process.env)
  if (config.secretGenerated) {
    console.warn(
      'TX402_SECRET is not set: using a random one, so challenges do not survive a restart.',
    )
  }
  const server = await startServer(config, { host: process.env.HOST ?? '127.0.0.1' })
  console.log(`tx402 demo API on ${server.url} (ledger: ${server.ledgerKind})`)
  const stop = async () => {
    await server.stop()
    process.exit(0)
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
} catch (error) {
  if (error instanceof DemoConfigError) {
    console.error(`Configuration error: ${error.message}`)
    process.exit(2)
  }
  throw error
}
