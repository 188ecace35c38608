import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createConnection, createServer, type Server } from 'node:net'
import { itWithServices } from '../services.js'
import { startRedisServer } from './redisServer.js'
import { tcpProxy } from './tcpProxy.js'

/** A loopback server that answers every chunk with `<name>:<chunk>`. */
async function echoServer(name: string): Promise<Server & { port: number }> {
  const server = createServer((socket) => {
    socket.on('error', () => {})
    socket.on('data', (chunk) => socket.write(`${name}:${chunk}`))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return Object.assign(server, { port: (server.address() as { port: number }).port })
}

/** Sends `text` through `port`: the first answer, and how the connection ended (or `waitMs`). */
function exchange(
  port: number,
  text: string,
  waitMs = 2_000,
): Promise<{ reply: string; ended: 'closed' | 'reset' | 'silent' }> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    let reply = ''
    const done = (ended: 'closed' | 'reset' | 'silent') => {
      clearTimeout(timer)
      socket.destroy()
      resolve({ reply, ended })
    }
    const timer = setTimeout(() => done(reply ? 'closed' : 'silent'), waitMs)
    socket.on('connect', () => socket.write(text))
    socket.on('data', (chunk) => {
      // The servers here never close: one answer is the whole exchange.
      reply = chunk.toString('latin1')
      done('closed')
    })
    socket.on('error', (error: NodeJS.ErrnoException) =>
      done(error.code === 'ECONNRESET' ? 'reset' : 'closed'),
    )
    socket.on('close', () => done('closed'))
  })
}

describe('tcpProxy', () => {
  const cleanup: (() => Promise<unknown> | unknown)[] = []
  after(async () => {
    for (const step of cleanup.reverse()) await step()
  })

  it('forwards, refuses, resets, hangs, garbles, delays and re-points on demand', async () => {
    const a = await echoServer('a')
    const b = await echoServer('b')
    cleanup.push(
      () => a.close(),
      () => b.close(),
    )
    const proxy = await tcpProxy({ host: '127.0.0.1', port: a.port })
    cleanup.push(() => proxy.close())

    assert.deepEqual(await exchange(proxy.port, 'hi'), { reply: 'a:hi', ended: 'closed' })
    proxy.setMode('refuse')
    assert.equal((await exchange(proxy.port, 'hi')).reply, '')
    proxy.setMode('reset')
    assert.deepEqual(await exchange(proxy.port, 'hi'), { reply: '', ended: 'reset' })
    proxy.setMode('blackhole')
    assert.deepEqual(await exchange(proxy.port, 'hi', 300), { reply: '', ended: 'silent' })
    proxy.setMode('garbage', { garbage: 'not:json' })
    assert.equal((await exchange(proxy.port, 'hi')).reply, 'not:json')
    proxy.setMode('latency', { latencyMs: 50 })
    assert.equal((await exchange(proxy.port, 'slow')).reply, 'a:slow')
    proxy.setMode('open')
    proxy.setTarget({ host: '127.0.0.1', port: b.port })
    assert.equal((await exchange(proxy.port, 'hi')).reply, 'b:hi')
    assert.equal(proxy.accepted, 7)
  })

  it('loses the replies of a kept connection while muted: the server still gets the request', async () => {
    let received = ''
    const server = createServer((socket) => {
      socket.on('error', () => {})
      socket.on('data', (chunk) => {
        received += chunk.toString()
        socket.write(`ack:${chunk}`)
      })
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    cleanup.push(() => server.close())
    const proxy = await tcpProxy({
      host: '127.0.0.1',
      port: (server.address() as { port: number }).port,
    })
    cleanup.push(() => proxy.close())
    const socket = createConnection({ host: '127.0.0.1', port: proxy.port })
    socket.on('error', () => {})
    const replies: string[] = []
    socket.on('data', (chunk) => replies.push(chunk.toString()))
    await once(socket, 'connect')
    socket.write('one')
    while (replies.length === 0) await once(socket, 'data')
    proxy.setMode('mute', { keepConnections: true })
    socket.write('two')
    while (!received.includes('two')) await new Promise((resolve) => setTimeout(resolve, 10))
    proxy.setMode('open', { keepConnections: true })
    socket.write('three')
    while (!replies.join('').includes('three')) await once(socket, 'data')
    assert.equal(replies.join(''), 'ack:oneack:three')
    assert.equal(received, 'onetwothree')
    socket.destroy()
  })

  it('drops open connections when the mode changes, as a crashed server would', async () => {
    const a = await echoServer('a')
    cleanup.push(() => a.close())
    const proxy = await tcpProxy({ host: '127.0.0.1', port: a.port })
    cleanup.push(() => proxy.close())
    const socket = createConnection({ host: '127.0.0.1', port: proxy.port })
    socket.on('error', () => {})
    await once(socket, 'connect')
    const closed = once(socket, 'close')
    proxy.setMode('refuse')
    await closed
  })

  itWithServices(
    'cuts a real Redis off and reaches it again after a restart on the same port',
    ['redis-server'],
    async function () {
      this.timeout(20_000)
      const server = await startRedisServer()
      cleanup.push(() => server.stop())
      const proxy = await tcpProxy({ host: '127.0.0.1', port: server.port })
      cleanup.push(() => proxy.close())
      // Redis' inline commands: one line in, one line out.
      assert.equal((await exchange(proxy.port, 'SET k v\r\n')).reply, '+OK\r\n')
      proxy.setMode('refuse')
      assert.equal((await exchange(proxy.port, 'GET k\r\n')).reply, '')
      proxy.setMode('open')
      assert.equal((await exchange(proxy.port, 'GET k\r\n')).reply, '$1\r\nv\r\n')

      await server.stop()
      assert.equal((await exchange(proxy.port, 'GET k\r\n')).reply, '', 'stopped')
      const restarted = await startRedisServer(server.port)
      cleanup.push(() => restarted.stop())
      assert.equal((await exchange(proxy.port, 'GET k\r\n')).reply, '$-1\r\n', 'back, and empty')
    },
  )
})
