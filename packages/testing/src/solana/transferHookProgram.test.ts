import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { transferHookProgram } from './transferHookProgram.js'

describe('transferHookProgram', () => {
  const saved = process.env.TX402_TRANSFER_HOOK_PROGRAM
  const dir = mkdtempSync(join(tmpdir(), 'tx402-hook-test-'))
  afterEach(() => {
    if (saved === undefined) delete process.env.TX402_TRANSFER_HOOK_PROGRAM
    else process.env.TX402_TRANSFER_HOOK_PROGRAM = saved
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('takes the program TX402_TRANSFER_HOOK_PROGRAM names, without fetching anything', async () => {
    const path = join(dir, 'hook.so')
    writeFileSync(path, 'a compiled program')
    process.env.TX402_TRANSFER_HOOK_PROGRAM = path
    assert.deepEqual(await transferHookProgram({ cacheDir: join(dir, 'unused') }), { path })
  })

  it('says a named program that does not exist is missing, naming the variable', async () => {
    process.env.TX402_TRANSFER_HOOK_PROGRAM = join(dir, 'absent.so')
    const program = await transferHookProgram()
    assert.ok('missing' in program)
    assert.match(program.missing, /TX402_TRANSFER_HOOK_PROGRAM=.*absent\.so does not exist/)
  })
})
