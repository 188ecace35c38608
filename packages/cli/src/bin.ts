import { CommanderError } from 'commander'
import { describeFailure, exitCodes } from './exitCodes.js'
import { toJson } from './output.js'
import { createProgram } from './program.js'

// The `tx402` executable: runs one command and exits with its code (README, "Operating tx402").
const json = process.argv.includes('--json')
let exitCode: number = exitCodes.ok
try {
  await createProgram(process.env, (code) => {
    exitCode = code
  }).parseAsync(process.argv)
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander already wrote its message (naming the flag) to stderr; help and version are 0.
    exitCode = error.exitCode === 0 ? exitCodes.ok : exitCodes.usage
  } else {
    const failure = describeFailure(error)
    exitCode = failure.exitCode
    process.stderr.write(`tx402: ${failure.message}\n`)
    if (json) process.stdout.write(`${toJson({ error: failure.message, exitCode })}\n`)
  }
}
// Let stdout drain, then exit: pools and sockets a command left open must not keep it alive.
process.stdout.write('', () => process.exit(exitCode))
