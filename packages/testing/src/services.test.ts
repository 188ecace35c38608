import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer as createHttpServer } from 'node:http'
import { type AddressInfo, createServer } from 'node:net'
import { startRedisServer } from './faults/redisServer.js'
import { itWithServices, probePorts } from './services.js'

describe('test services: a port counts only when its service answers', () => {
  it('an HTTP server on the port is neither Redis nor PostgreSQL', async () => {
    const http = createHttpServer((_req, res) => res.end('hello'))
    http.listen(0, '127.0.0.1')
    await once(http, 'listening')
    const { port } = http.address() as AddressInfo
    try {
      assert.deepEqual([...probePorts([{ port, protocol: 'redis' }])], [])
      assert.deepEqual([...probePorts([{ port, protocol: 'postgres' }])], [])
    } finally {
      http.close()
    }
  })

  it('a listener that never answers is not a service either', async () => {
    const silent = createServer(() => {})
    silent.listen(0, '127.0.0.1')
    await once(silent, 'listening')
    const { port } = silent.address() as AddressInfo
    try {
      assert.deepEqual([...probePorts([{ port, protocol: 'redis' }])], [])
    } finally {
      silent.close()
    }
  })

  itWithServices(
    'a real redis-server answers as Redis, not as PostgreSQL',
    ['redis-server'],
    async () => {
      const redis = await startRedisServer()
      try {
        assert.deepEqual([...probePorts([{ port: redis.port, protocol: 'redis' }])], [redis.port])
        assert.deepEqual([...probePorts([{ port: redis.port, protocol: 'postgres' }])], [])
      } finally {
        await redis.stop()
      }
    },
  )

  itWithServices('PostgreSQL on 5432 answers as PostgreSQL', ['postgres'], async () => {
    assert.deepEqual([...probePorts([{ port: 5432, protocol: 'postgres' }])], [5432])
  })
})
