// A node:cluster app as a user writes it, with the embedded ledger on one dataDir: the primary
// forks TX402_CLUSTER.workers workers; each mounts paymentRequired, awaits paid.ready() at top
// level (a failure crashes it with the error on stderr) and then listens on the shared port. The
// primary asks the port a few times, then prints one JSON line: each worker's pid, exit code and
// stderr, and the statuses the port answered. It kills every worker before it exits.
import cluster, { type Worker } from 'node:cluster'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { scriptedChain } from '@tx402/core/testing'
import { paymentRequired } from '@tx402/koa'
import Koa from 'koa'
import { embeddedLedger } from '../embeddedLedger.js'

const { dataDir, workers } = JSON.parse(process.env.TX402_CLUSTER!) as {
  dataDir: string
  workers: number
}
const silent = { info() {}, warn() {}, error() {} }

if (cluster.isPrimary) {
  cluster.setupPrimary({ silent: true })
  const forked: { worker: Worker; stderr: string; code?: number | null }[] = []
  for (let i = 0; i < workers; i++) {
    const entry: (typeof forked)[number] = { worker: cluster.fork(), stderr: '' }
    entry.worker.process.stderr!.on('data', (chunk) => {
      entry.stderr += chunk
    })
    forked.push(entry)
  }
  const killAll = () => {
    for (const { worker } of forked) if (!worker.isDead()) worker.process.kill('SIGKILL')
  }
  process.on('exit', killAll)
  // A worker either exits (startup failed) or says it listens.
  const settled = forked.map(async (entry) => {
    const [message] = (await Promise.race([
      once(entry.worker, 'message'),
      once(entry.worker, 'exit').then(([code]) => {
        entry.code = code
        return [{ exited: code }]
      }),
    ])) as [{ port?: number }]
    return message.port
  })
  const ports = (await Promise.all(settled)).filter((port) => port !== undefined)
  const statuses: number[] = []
  if (ports[0]) {
    for (let i = 0; i < 8; i++) {
      const response = await fetch(`http://127.0.0.1:${ports[0]}/api/paid`)
      statuses.push(response.status)
      await response.arrayBuffer()
    }
  }
  // An exited worker's stderr may still be draining.
  await Promise.all(
    forked.map(({ worker, code }) => {
      const stderr = worker.process.stderr!
      return code === undefined || stderr.readableEnded ? undefined : once(stderr, 'end')
    }),
  )
  const report = forked.map(({ worker, stderr, code }) => ({
    pid: worker.process.pid,
    listening: code === undefined,
    code: code ?? null,
    stderr,
  }))
  killAll()
  await Promise.all(
    forked.map(({ worker }) => (worker.isDead() ? undefined : once(worker, 'exit'))),
  )
  console.log(JSON.stringify({ workers: report, statuses }))
  process.exit(0)
} else {
  const paid = paymentRequired({
    price: '0.01',
    asset: 'USDC',
    chains: [scriptedChain().plugin],
    ledger: embeddedLedger({ dataDir, logger: silent }),
    secret: 'cluster-workers-secret-of-32-bytes-or-more',
    logger: silent,
  })
  // As a user's app does it: a failed startup check ends this worker, its message on stderr.
  await paid.ready()
  const app = new Koa()
  app.use(paid)
  app.use((ctx) => {
    ctx.body = 'paid'
  })
  const server = app.listen(0, '127.0.0.1')
  await once(server, 'listening')
  process.send!({ port: (server.address() as AddressInfo).port })
}
