#!/usr/bin/env node
// `npm test`: starts what the suites need and is not running (tools/test-services.sh), runs mocha
// with this command's arguments, then stops what it started: also after a failure, a Ctrl-C or a
// SIGTERM. A part it cannot start makes its suites skip (describeWithServices), not fail.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const servicesScript = join(root, 'tools', 'test-services.sh')
const mochaBin = createRequire(import.meta.url).resolve('mocha/bin/mocha.js')
const scratch = mkdtempSync(join(tmpdir(), 'tx402-test-'))
const startedFile = join(scratch, 'started')

// Registered first: a Ctrl-C while services start (this process waits, its handlers run once
// mocha is spawned) still ends in mocha killed and what did start stopped.
let mocha
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    // A Ctrl-C reaches mocha too (same process group); a signal sent to this process alone is passed on.
    if (mocha && mocha.exitCode === null && mocha.signalCode === null) mocha.kill(signal)
  })
}
const exitCodeOf = (signal) => 128 + (signal === 'SIGINT' ? 2 : signal === 'SIGHUP' ? 1 : 15)

const bash = process.platform === 'win32' ? undefined : findBash()
if (bash && process.env.TX402_TEST_SERVICES !== 'off') {
  spawnSync(bash, [servicesScript, 'start'], {
    stdio: 'inherit',
    env: {
      ...process.env,
      TX402_SERVICES_STARTED: startedFile,
      TX402_TEST_RUN: String(process.pid),
    },
  })
} else {
  console.log(
    'test services: not started (no bash, or TX402_TEST_SERVICES=off); suites whose services are missing are skipped',
  )
}
const lines = readStartedFile()
const started = [...new Set(lines.filter((l) => !l.startsWith('launching ')))]
// What to stop: what started, and what was launched but not (yet) up.
const launched = [...new Set(lines.map((l) => l.replace(/^launching /, '')))]
if (started.length > 0)
  console.log(`test services: started ${started.join(', ')}; stopped when the run ends`)

mocha = spawn(process.execPath, [mochaBin, ...mochaArgs(process.argv.slice(2))], {
  stdio: 'inherit',
})
let stopping = false
function stop() {
  if (stopping) return
  stopping = true
  if (bash && process.env.TX402_TEST_SERVICES !== 'off') {
    // Its own process group: a second Ctrl-C in the terminal must not cut the stop short and
    // leave servers running.
    // TX402_TEST_RUN: another `npm test` still running keeps them; the last one stops them.
    spawnSync(bash, [servicesScript, 'stop', ...launched], {
      stdio: 'inherit',
      detached: true,
      env: { ...process.env, TX402_TEST_RUN: String(process.pid) },
    })
  }
  rmSync(scratch, { recursive: true, force: true })
}
mocha.on('exit', (code, signal) => {
  stop()
  process.exit(code ?? exitCodeOf(signal))
})
process.on('exit', stop)

// `npm test -- some.test.ts`: mocha adds the files named to .mocharc.json's spec list, so the
// whole suite would run; the named files run alone instead, with the config's other options.
function mochaArgs(args) {
  const named = args.filter((a) => !a.startsWith('-') && /\.[cm]?[jt]s$|\*/.test(a))
  if (named.length === 0) return args
  const config = JSON.parse(readFileSync(join(root, '.mocharc.json'), 'utf8'))
  delete config.spec
  const file = join(scratch, 'mocharc.json')
  writeFileSync(file, JSON.stringify(config))
  return ['--config', file, ...args]
}

function findBash() {
  const found = spawnSync('bash', ['-c', 'command -v bash'], { encoding: 'utf8' })
  return found.status === 0 ? found.stdout.trim() : undefined
}

function readStartedFile() {
  try {
    return readFileSync(startedFile, 'utf8').split('\n').filter(Boolean)
  } catch {
    return []
  }
}
