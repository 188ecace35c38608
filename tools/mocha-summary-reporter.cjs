// Mocha's spec output for people, plus the run's counts as JSON for .ci/run when
// TX402_TEST_SUMMARY names a file (CI reads counts from the run, never from text).
const fs = require('node:fs')
const Mocha = require('mocha')

class SpecWithSummary extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options)
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const file = process.env.TX402_TEST_SUMMARY
      if (!file) return
      const { passes, failures, pending, tests } = this.stats
      fs.writeFileSync(file, JSON.stringify({ passes, failures, pending, tests }))
    })
  }
}

module.exports = SpecWithSummary
