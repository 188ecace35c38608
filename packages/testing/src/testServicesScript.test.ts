import assert from 'node:assert/strict'
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import {
  accessSync,
  constants,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join, resolve } from 'node:path'

const script = resolve(import.meta.dirname, '../../../tools/test-services.sh')

const onPath = (binary: string) =>
  (process.env.PATH ?? '').split(delimiter).some((d) => {
    try {
      accessSync(join(d, binary), constants.X_OK)
      return true
    } catch {
      return false
    }
  })

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('tools/test-services.sh stops only what it started', () => {
  let dir: string
  let decoy: ChildProcess
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tx402-services-test-'))
    // A process that took over the pid of a server that died (a stale pidfile).
    decoy = spawn('sleep', ['300'], { stdio: 'ignore' })
  })
  afterEach(() => {
    decoy.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })

  for (const [part, pidfile] of [
    ['redis', 'redis-6379/redis.pid'],
    ['redis-cluster', 'redis/7001/redis.pid'],
    ['pgbouncer', 'pgbouncer/pgbouncer.pid'],
  ] as const) {
    it(`${part}: a stale pidfile naming another program's process leaves that process alone`, () => {
      const file = join(dir, pidfile)
      mkdirSync(resolve(file, '..'), { recursive: true })
      writeFileSync(file, `${decoy.pid}\n`)
      const run = spawnSync('bash', [script, 'stop', part], {
        env: { ...process.env, TX402_SERVICES_DIR: dir },
        encoding: 'utf8',
      })
      assert.equal(run.status, 0, run.stderr)
      assert.ok(alive(decoy.pid!), `test-services.sh stop ${part} killed an unrelated process`)
      assert.doesNotMatch(run.stdout, /stopped/)
    })
  }

  // A Redis of this script's own (its pidfile where `stop redis` looks), beside any other.
  async function privateRedis(): Promise<number> {
    const sub = join(dir, 'redis-6379')
    mkdirSync(sub, { recursive: true })
    // Port 0 and a socket file: no TCP listener, so it runs beside whatever Redis the machine has.
    const run = spawnSync('redis-server', [
      '--port',
      '0',
      '--unixsocket',
      join(sub, 'redis.sock'),
      '--daemonize',
      'yes',
      '--save',
      '',
      '--pidfile',
      join(sub, 'redis.pid'),
      '--logfile',
      join(sub, 'redis.log'),
      '--dir',
      sub,
    ])
    assert.equal(run.status, 0)
    let pid = 0
    for (let i = 0; i < 50 && !pid; i++) {
      try {
        pid = Number(readFileSync(join(sub, 'redis.pid'), 'utf8'))
      } catch {
        await new Promise((r) => setTimeout(r, 100))
      }
    }
    assert.ok(pid > 0 && alive(pid), `no redis-server: ${run.stderr} ${run.stdout} ${pid}`)
    return pid
  }

  it('redis: the redis-server its pidfile names is stopped', async function () {
    if (!onPath('redis-server')) this.skip()
    const pid = await privateRedis()
    const stop = spawnSync('bash', [script, 'stop', 'redis'], {
      env: { ...process.env, TX402_SERVICES_DIR: dir },
      encoding: 'utf8',
    })
    assert.match(stop.stdout, /redis: stopped/)
    assert.equal(alive(pid), false)
  })

  it('two test runs at once: the first to end leaves what it launched to the other, the last stops it', async function () {
    if (!onPath('redis-server')) this.skip()
    const pid = await privateRedis()
    // Run 1 (the decoy, alive) and run 2 (this test) registered, as `start` does.
    const me = 2 ** 22 + 17 // no live process: only a name for run 2
    mkdirSync(join(dir, 'runs'))
    writeFileSync(join(dir, 'runs', String(decoy.pid)), '')
    writeFileSync(join(dir, 'runs', String(me)), '')
    const stop = (run: number) =>
      spawnSync('bash', [script, 'stop', 'redis'], {
        env: { ...process.env, TX402_SERVICES_DIR: dir, TX402_TEST_RUN: String(run) },
        encoding: 'utf8',
      })
    const first = stop(me)
    assert.match(
      first.stderr,
      new RegExp(`left running: test run\\(s\\) ${decoy.pid} still use them`),
    )
    assert.ok(alive(pid), 'the first run to end stopped a Redis the other run still uses')
    // The other run ends without having launched anything: it stops what the first launched.
    const last = spawnSync('bash', [script, 'stop'], {
      env: { ...process.env, TX402_SERVICES_DIR: dir, TX402_TEST_RUN: String(decoy.pid) },
      encoding: 'utf8',
    })
    assert.match(last.stdout, /redis: stopped/)
    assert.equal(alive(pid), false)
  })
})
