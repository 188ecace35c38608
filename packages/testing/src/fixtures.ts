import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The recorded-data folder (mainnet JSON-RPC answers): `TX402_FIXTURES_DIR` when set, else
 * `../shared/fixtures` beside the repository (CI clones the repository with `shared/` next to it).
 *
 * @example join(fixturesDir(), 'solana', 'mainnet-sol-transfer.json')
 */
export function fixturesDir(): string {
  if (process.env.TX402_FIXTURES_DIR) return resolve(process.env.TX402_FIXTURES_DIR)
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
  return join(repoRoot, '..', 'shared', 'fixtures')
}

/** The absolute path of a fixture file, relative to `fixturesDir()`. */
export function fixturePath(path: string): string {
  return join(fixturesDir(), path)
}

/**
 * Reads and parses a recorded fixture file, relative to `fixturesDir()`.
 *
 * @example const { result: logs } = readFixture('evm/avalanche-mainnet-getlogs-block-0x1d612e6.json')
 */
export function readFixture<T = unknown>(path: string): T {
  return JSON.parse(readFileSync(fixturePath(path), 'utf8')) as T
}

let announced = false

/**
 * A mocha suite that needs the recorded fixtures. When they are absent (a fresh clone without
 * `../shared`), its body never runs: the suite shows one pending test, and the process prints
 * one line saying why and how to get them.
 *
 * @example describeWithFixtures('verifyPayment on recorded mainnet transactions', () => { … })
 */
export function describeWithFixtures(title: string, body: (this: Mocha.Suite) => void): void {
  const dir = fixturesDir()
  if (existsSync(dir)) {
    describe(title, body)
    return
  }
  if (!announced) {
    announced = true
    console.log(
      `tx402: recorded fixtures not found at ${dir}; suites on recorded mainnet data are skipped (clone shared/ beside the repository, or set TX402_FIXTURES_DIR to a copy of shared/fixtures).`,
    )
  }
  describe(title, () => {
    it.skip(`needs the recorded fixtures (${dir})`)
  })
}
