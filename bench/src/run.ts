// `pnpm bench [name…]`: runs the benchmarks (all by default), prints a table of figures, each
// with its floor from the same run, and writes them to bench/results/latest.json.
import { mkdir, writeFile } from 'node:fs/promises'
import { cpus } from 'node:os'
import { fileURLToPath } from 'node:url'
import { type Benchmark, createBenchContext } from './benchContext.js'
import { challenge } from './benchmarks/challenge.js'
import { contention } from './benchmarks/contention.js'
import { credit } from './benchmarks/credit.js'
import { flood } from './benchmarks/flood.js'
import { ledger } from './benchmarks/ledger.js'
import { memory } from './benchmarks/memory.js'
import { peer } from './benchmarks/peer.js'
import { replay } from './benchmarks/replay.js'
import { throughput } from './benchmarks/throughput.js'
import { verify } from './benchmarks/verify.js'
import { checkText, type Figure, verdict } from './report/figure.js'
import { formatTable } from './report/formatTable.js'
import { withGoals } from './report/goals.js'

const benchmarks: Benchmark[] = [
  challenge,
  replay,
  verify,
  ledger,
  contention,
  flood,
  peer,
  throughput,
  memory,
  credit,
]
const resultsDir = new URL('../results/', import.meta.url)

const names = process.argv.slice(2).filter((arg) => arg !== '--')
if (names.includes('--help') || names.includes('-h') || names.includes('list')) {
  console.log('usage: pnpm bench [name…]\n')
  for (const b of benchmarks) console.log(`  ${b.name.padEnd(11)} ${b.title}`)
  process.exit(0)
}
const unknown = names.filter((name) => !benchmarks.some((b) => b.name === name))
if (unknown.length) {
  console.error(
    `unknown benchmark: ${unknown.join(', ')}; one of ${benchmarks.map((b) => b.name).join(', ')}`,
  )
  process.exit(2)
}
const selected = names.length ? benchmarks.filter((b) => names.includes(b.name)) : benchmarks

const started = Date.now()
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s`
const log = (line: string) => console.log(`[${elapsed()}] ${line}`)
const context = createBenchContext(log)
let closing: Promise<void> | undefined
const close = () => {
  closing ??= context.close()
  return closing
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping everything the bench started`)
    void close().finally(() => process.exit(130))
  })
}

const figures: Figure[] = []
const failures: { bench: string; error: string }[] = []
try {
  for (const benchmark of selected) {
    log(`${benchmark.name}: ${benchmark.title}`)
    try {
      const produced = withGoals(await benchmark.run(context))
      figures.push(...produced)
      for (const f of produced) {
        const ratio = f.ratio === undefined ? '' : ` (${f.ratio.toFixed(3)}× ${f.floor?.label})`
        log(`  → ${f.metric}: ${f.value.toFixed(2)} ${f.unit}${ratio} ${checkText(f)}`)
      }
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error)
      failures.push({ bench: benchmark.name, error: message })
      log(`  ✗ ${benchmark.name} failed: ${message}`)
    }
  }
} finally {
  log('stopping servers, load generators, anvil and Redis')
  await close()
}

const durationSec = (Date.now() - started) / 1000
console.log(`\ntx402 benchmarks, ${new Date(started).toISOString()}, ${durationSec.toFixed(0)} s\n`)
console.log(formatTable(figures))
const failedChecks = figures.filter((f) => verdict(f) === 'FAIL')
await mkdir(resultsDir, { recursive: true })
const file = new URL('latest.json', resultsDir)
await writeFile(
  file,
  `${JSON.stringify(
    {
      startedAt: new Date(started).toISOString(),
      durationSec,
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
      benchmarks: selected.map((b) => b.name),
      // Each figure with its check column as the table shows it.
      figures: figures.map((f) => ({ ...f, check: checkText(f) })),
      failures,
    },
    null,
    2,
  )}\n`,
)
console.log(`\nfull results: ${fileURLToPath(file)}`)
if (failures.length) console.log(`failed: ${failures.map((f) => f.bench).join(', ')}`)
if (failedChecks.length) {
  console.log(`checks that failed: ${failedChecks.map((f) => `${f.bench} ${f.metric}`).join('; ')}`)
}
process.exit(failures.length || failedChecks.length ? 1 : 0)
