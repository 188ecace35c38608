import { formatAmount } from '@tx402/core'
import { encodeFunctionData, erc20Abi } from 'viem'
import { type AgentResult, anvilPayer, localSolanaPayer, payAndCall } from './agent.js'
import { type CreditRun, runCreditAgent } from './creditAgent.js'
import { type LocalChains, startLocalChains } from './localChains.js'
import { buildPage } from './page/buildPage.js'
import { type DemoServer, startServer } from './startServer.js'

// `pnpm demo`: local chains, the demo API on the embedded ledger, and an agent that pays for
// /api/weather once per chain, printing every step, then buys a credit pack on Base and spends it
// on /api/forecast; `pnpm demo --serve` keeps it all running.
const serve = process.argv.includes('--serve')
const log = (line: string) => console.log(line)
const silentLogger = { info() {}, warn() {}, error() {} }

let chains: LocalChains | undefined
let server: DemoServer | undefined
let stopping = false
async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true
    log('\nstopping the demo API and the local chains')
    await server?.stop().catch(() => {})
    await chains?.stop().catch(() => {})
  }
  process.exit(code)
}
process.once('SIGINT', () => void shutdown(130))
process.once('SIGTERM', () => void shutdown(143))

try {
  log('tx402 demo: a paid API on local chains, paid by an agent\n')
  chains = await startLocalChains(log, serve ? Number(process.env.PORT ?? 3402) : 0)
  log('\nbuilding the browser page (esbuild)')
  const page = await buildPage({
    rpcUrl: chains.base.node.rpcUrl,
    chainId: 8453,
    privateKey: chains.base.node.accounts[3]!.privateKey,
    usdc: chains.base.usdc,
  })
  server = await startServer(chains.config, { logger: silentLogger, page })
  log(
    `demo API listening on ${server.url} (embedded ledger in ${chains.config.ledger.kind === 'embedded' ? chains.config.ledger.dataDir : ''})`,
  )

  if (serve) {
    printServeHelp(server.url, chains)
  } else {
    const results: AgentResult[] = []
    const runs = [
      { label: 'Base', id: 'eip155:8453', payer: anvilPayer(chains.base.node, chains.base.usdc) },
      {
        label: 'Avalanche',
        id: 'eip155:43114',
        payer: anvilPayer(chains.avalanche.node, chains.avalanche.usdc),
      },
      {
        label: 'Solana',
        id: chains.config.solana!.network!,
        payer: localSolanaPayer(
          chains.solana.rpc.rpcUrl,
          chains.solana.agent,
          chains.solana.usdcMint,
        ),
      },
    ]
    for (const run of runs) {
      log(`\n[${run.label}] the agent calls GET /api/weather`)
      results.push({
        ...(await payAndCall(server.url, '/api/weather', run.id, run.payer, log)),
        chain: run.label,
      })
    }
    // Prepaid credit: one pack (5 calls' worth) bought on Base, spent call by call, then topped up.
    log('\n[credit on Base] the agent may buy a 0.05 USDC pack for GET /api/forecast (0.01 a call)')
    const credit: CreditRun = await runCreditAgent(
      server.url,
      '/api/forecast',
      'eip155:8453',
      runs[0]!.payer,
      6,
      log,
    )
    log('\nsummary')
    log('  chain      status  paid        replay                 time   transaction')
    for (const r of results) {
      log(
        `  ${r.chain.padEnd(10)} ${String(r.status).padEnd(7)} ${(r.amount ?? '-').padEnd(11)} ${`${r.replayStatus ?? '-'} ${r.replayError ?? ''}`.padEnd(22)} ${`${r.ms} ms`.padEnd(6)} ${r.transaction ?? '-'}`,
      )
    }
    log(
      `  credit     ${credit.statuses.length} calls: ${credit.transfers} transfers on chain (a pack, a top-up), ${credit.credited} served from credit, ${formatAmount(credit.remaining ?? 0n, 6)} USDC left`,
    )
    const paidOk = results.every((r) => r.status === 200 && r.replayStatus === 402)
    const creditOk =
      credit.statuses.every((s) => s === 200) && credit.transfers === 2 && credit.credited === 4
    const ok = paidOk && creditOk
    log(
      paidOk
        ? '\nevery chain paid once and served 200; every replay was refused.'
        : '\nsome chain did not pay: see above.',
    )
    log(
      creditOk
        ? 'one pack paid for 5 calls on Base; the 6th topped it up.'
        : 'the credit run did not go as expected: see above.',
    )
    await shutdown(ok ? 0 : 1)
  }
} catch (error) {
  console.error(`\ndemo failed: ${error instanceof Error ? error.message : String(error)}`)
  await shutdown(1)
}

function printServeHelp(url: string, local: LocalChains): void {
  const { base, avalanche, solana } = local
  log(`
Everything is up. Press Ctrl-C to stop.

  page        ${url}/            (pays from a test wallet in your browser)
  API         ${url}/api/health  ${url}/api/weather  POST ${url}/api/encrypt
  metrics     ${url}/metrics
  Base        ${base.node.rpcUrl}  chain id 8453   test USDC ${base.usdc}
  Avalanche   ${avalanche.node.rpcUrl}  chain id 43114  test USDC ${avalanche.usdc}
  Solana      ${solana.rpc.rpcUrl}  ${solana.rpc.network}  test USDC mint ${solana.usdcMint}

Funded test keys (local chains only, never real funds):
  EVM payer   ${base.node.accounts[1]!.address}  private key ${base.node.accounts[1]!.privateKey}
  EVM payee   ${base.node.accounts[2]!.address}
  Solana payer ${solana.agent.publicKey.toBase58()}  secret key [${Array.from(solana.agent.secretKey).join(',')}]
  Solana payee ${solana.payTo}

Try by hand, with nothing but curl (anvil signs for its unlocked dev accounts):
  curl -i ${url}/api/weather
  curl -s ${base.node.rpcUrl} -H 'content-type: application/json' -d '${sendTransfer(base.node.accounts[1]!.address, base.usdc, base.node.accounts[2]!.address)}'
  curl -i ${url}/api/weather -H 'x-payment-chain: base' -H 'x-payment-tx: <the "result" above>'
`)
}

/** The JSON-RPC body of an `eth_sendTransaction` paying 0.01 test USDC (10000 base units). */
function sendTransfer(from: string, token: string, to: `0x${string}`): string {
  const data = encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [to, 10_000n] })
  return JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'eth_sendTransaction',
    params: [{ from, to: token, data }],
  })
}
