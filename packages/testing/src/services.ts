import { execFileSync } from 'node:child_process'
import { accessSync, constants, existsSync } from 'node:fs'
import { delimiter, join } from 'node:path'

/**
 * A part of the machine a suite needs, at the fixed place the tests look for it. `npm test`
 * starts or installs each one that is missing when it can (tools/test-services.sh):
 * - `postgres`: PostgreSQL on 127.0.0.1:5432, user postgres without a password
 * - `redis`: Redis on 127.0.0.1:6379
 * - `redis-server`: the redis-server binary on the `PATH` (tests start private ones)
 * - `redis-cluster`: the Redis Cluster on 127.0.0.1:7001-7006, with redis-cli and redis-server
 * - `pgbouncer`: PgBouncer (transaction pooling) on 127.0.0.1:6432
 * - `nginx`: the nginx binary (`NGINX_BIN`, default /usr/sbin/nginx)
 * - `chromium`: /usr/bin/chromium
 */
export type TestService =
  | 'postgres'
  | 'redis'
  | 'redis-server'
  | 'redis-cluster'
  | 'pgbouncer'
  | 'nginx'
  | 'chromium'

interface ServiceCheck {
  /** What is missing, after "no ". */
  what: string
  ports?: readonly number[]
  /** What must answer on `ports`: a listener of another program there is no service. */
  protocol?: Protocol
  binaries?: readonly string[]
  files?: readonly string[]
  /** The command that provides it. */
  provide: string
}

const startWith = (part: string) => `start it with: bash tools/test-services.sh start ${part}`

const checks: Record<TestService, ServiceCheck> = {
  postgres: {
    what: 'PostgreSQL on 127.0.0.1:5432',
    ports: [5432],
    protocol: 'postgres',
    provide: startWith('postgres'),
  },
  redis: {
    what: 'Redis on 127.0.0.1:6379',
    ports: [6379],
    protocol: 'redis',
    provide: startWith('redis'),
  },
  'redis-server': {
    what: 'redis-server on the PATH',
    binaries: ['redis-server'],
    provide:
      'install it with: bash tools/test-services.sh start redis (as root) or apt-get install redis-server',
  },
  'redis-cluster': {
    what: 'Redis Cluster on 127.0.0.1:7001-7006',
    ports: [7001, 7002, 7003, 7004, 7005, 7006],
    protocol: 'redis',
    binaries: ['redis-cli', 'redis-server'],
    provide: startWith('redis-cluster'),
  },
  pgbouncer: {
    what: 'PgBouncer on 127.0.0.1:6432',
    ports: [6432],
    protocol: 'postgres',
    provide: startWith('pgbouncer'),
  },
  nginx: {
    what: `nginx at ${process.env.NGINX_BIN ?? '/usr/sbin/nginx'}`,
    files: [process.env.NGINX_BIN ?? '/usr/sbin/nginx'],
    provide:
      'install it with: bash tools/test-services.sh start nginx (as root) or apt-get install nginx',
  },
  chromium: {
    what: 'Chromium at /usr/bin/chromium',
    files: ['/usr/bin/chromium'],
    provide:
      'install it with: bash tools/test-services.sh start chromium (as root) or apt-get install chromium',
  },
}

/** How a port is asked who listens: Redis answers PING, PostgreSQL (and PgBouncer) SSLRequest. */
export type Protocol = 'redis' | 'postgres'

// Suites are declared synchronously, so the ports are probed by a short child process: every
// port at once. Each gets its protocol's greeting; only the expected answer counts.
const probe = `
const net = require('node:net')
const [host, targets] = JSON.parse(process.argv[1])
const greeting = {
  redis: [Buffer.from('PING\\r\\n'), (b) => b.toString('latin1').startsWith('+PONG')],
  // SSLRequest: a PostgreSQL server or PgBouncer answers one byte, S or N.
  postgres: [Buffer.from([0, 0, 0, 8, 4, 210, 22, 47]), (b) => b[0] === 0x53 || b[0] === 0x4e],
}
Promise.all(targets.map(({ port, protocol }) => new Promise((resolve) => {
  const [hello, answered] = greeting[protocol]
  const socket = net.connect({ host, port })
  let got = Buffer.alloc(0)
  const done = (ok) => { socket.destroy(); resolve(ok ? port : 0) }
  socket.setTimeout(2000, () => done(false))
  socket.once('connect', () => socket.write(hello))
  socket.on('data', (chunk) => {
    got = Buffer.concat([got, chunk])
    if (answered(got) || got.length >= 5) done(answered(got))
  })
  socket.once('error', () => done(false))
  socket.once('close', () => done(false))
}))).then((open) => process.stdout.write(JSON.stringify(open.filter(Boolean))))
`

/**
 * The ports among `targets` on which their protocol's server answers (not merely a listener):
 * a synchronous probe, at most about 2 s.
 *
 * @example probePorts([{ port: 6379, protocol: 'redis' }]) // Set { 6379 } when Redis answers
 */
export function probePorts(
  targets: ReadonlyArray<{ port: number; protocol: Protocol }>,
  host = '127.0.0.1',
): Set<number> {
  const answer = execFileSync(process.execPath, ['-e', probe, JSON.stringify([host, targets])], {
    encoding: 'utf8',
    timeout: 10_000,
  })
  return new Set(JSON.parse(answer) as number[])
}

let openPorts: Set<number> | undefined

function portOpen(port: number): boolean {
  openPorts ??= probePorts(
    Object.values(checks).flatMap((check) =>
      (check.ports ?? []).map((p) => ({ port: p, protocol: check.protocol ?? 'redis' })),
    ),
  )
  return openPorts.has(port)
}

function onPath(binary: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, binary), constants.X_OK)
      return true
    } catch {
      return false
    }
  })
}

const availability = new Map<TestService, boolean>()

/**
 * Whether `service` is there now (its ports accept a connection, its binaries and files exist);
 * asked once per process.
 *
 * @example if (!serviceAvailable('redis-cluster')) console.log('no cluster')
 */
export function serviceAvailable(service: TestService): boolean {
  let available = availability.get(service)
  if (available === undefined) {
    const check = checks[service]
    available =
      (check.ports ?? []).every(portOpen) &&
      (check.binaries ?? []).every(onPath) &&
      (check.files ?? []).every((file) => existsSync(file))
    availability.set(service, available)
  }
  return available
}

const skipped = new Map<TestService, number>()
let reportInstalled = false

/**
 * A mocha suite that needs `services`. When one is missing, the suite is declared skipped (its
 * tests show as pending, none of its hooks run) and, at the end of the run, one line per missing
 * service says how many tests it skipped and the command that provides it. In CI (`CI` set) a
 * missing service is not skipped: the suite runs and fails on it.
 *
 * @example describeWithServices('redisPostgresLedger', ['postgres', 'redis'], () => { … })
 */
export function describeWithServices(
  title: string,
  services: readonly TestService[],
  body: (this: Mocha.Suite) => void,
): void {
  const missing = missingOf(services)
  if (missing.length === 0) {
    describe(title, body)
    return
  }
  const suite = describe.skip(title, body) as Mocha.Suite
  countSkipped(suite, missing, suite.total())
}

function missingOf(services: readonly TestService[]): TestService[] {
  return process.env.CI ? [] : services.filter((service) => !serviceAvailable(service))
}

// Counts toward each missing service's line, printed once by a hook on the root suite.
function countSkipped(suite: Mocha.Suite, missing: readonly TestService[], tests: number): void {
  for (const service of missing) skipped.set(service, (skipped.get(service) ?? 0) + tests)
  if (reportInstalled) return
  reportInstalled = true
  let root = suite
  while (root.parent) root = root.parent
  root.afterAll('tx402: tests skipped for missing services', () => {
    for (const [service, count] of skipped) {
      const { what, provide } = checks[service]
      console.log(`skipped ${count} ${count === 1 ? 'test' : 'tests'}: no ${what} (${provide})`)
    }
  })
}

/**
 * A mocha test that needs `services`: skipped (pending) when one is missing, counted in the
 * end-of-run line of each missing service, as `describeWithServices` does for a suite.
 *
 * @example itWithServices('reaches a restarted Redis', ['redis-server'], async function () { … })
 */
export function itWithServices(
  title: string,
  services: readonly TestService[],
  fn: Mocha.AsyncFunc,
): void {
  const missing = missingOf(services)
  if (missing.length === 0) {
    it(title, fn)
    return
  }
  const test = it.skip(title, fn) as Mocha.Test
  countSkipped(test.parent!, missing, 1)
}
