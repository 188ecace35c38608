import { describeWithServices } from '@tx402/testing/services'
import { type CliFixture, startCliFixture } from './test/cliFixture.js'
import { doctorTests } from './test/doctorTests.js'
import { ledgerTests } from './test/ledgerTests.js'
import { reconcileTests } from './test/reconcileTests.js'
import { buildCli } from './test/runCli.js'
import { tokenTests } from './test/tokenTests.js'
import { usageTests } from './test/usageTests.js'
import { verifyTests } from './test/verifyTests.js'

// One set of real parts (anvil, the litesvm RPC, PostgreSQL, a private Redis) for every command,
// and one build of the executable: the tests run `dist/tx402.js` as a child process.
describeWithServices('tx402 CLI, the built executable', ['postgres', 'redis-server'], function () {
  this.timeout(120_000)
  const fixture = {} as CliFixture
  before(async () => {
    const [started] = await Promise.all([startCliFixture(), buildCli()])
    Object.assign(fixture, started)
  })
  after(() => fixture.stop?.())

  usageTests()
  verifyTests(fixture)
  tokenTests(fixture)
  ledgerTests(fixture)
  reconcileTests(fixture)
  doctorTests(fixture)
})
