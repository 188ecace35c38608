import assert from 'node:assert/strict'
import { isChargedAnswer } from './chargedAnswer.js'

// docs/protocol.md section 6.3: which answers a payment or credit pays for.
describe('isChargedAnswer', () => {
  const origin = 'http://api.example.com'
  const answer = (method: string, status: number, location?: string) =>
    isChargedAnswer({ method, status, location, origin })
  // No origin configured (no realm option): only a relative Location is this server.
  const unknown = (location: string) =>
    isChargedAnswer({ method: 'GET', status: 302, location, origin: undefined })

  it('charges a 2xx and never a 4xx or 5xx', () => {
    assert.equal(answer('GET', 200), true)
    assert.equal(answer('POST', 201), true)
    assert.equal(answer('GET', 404), false)
    assert.equal(answer('POST', 500), false)
  })

  it('releases a GET or HEAD redirected within its host, whatever the scheme, and a 304', () => {
    for (const status of [301, 302, 303, 307, 308]) {
      assert.equal(answer('GET', status, '/v2/data'), false)
      assert.equal(answer('HEAD', status, 'https://api.example.com/v2/data'), false)
    }
    assert.equal(answer('GET', 304), false)
    assert.equal(unknown('?page=2'), false)
    assert.equal(unknown('v2/data'), false)
  })

  it('judges an absolute Location only against the configured origin, never the Host asked', () => {
    // Without a configured origin (the realm option) an absolute Location is another host's.
    assert.equal(unknown('https://api.example.com/v2/data'), true)
    assert.equal(unknown('/v2/data'), false)
    // A browser reads /\host as //host.
    assert.equal(unknown('/\\cdn.example.net/file'), true)
    assert.equal(answer('GET', 302, '/\\cdn.example.net/file'), true)
  })

  it('charges a GET redirected to another host (the Location is the answer), and any POST redirect', () => {
    assert.equal(answer('GET', 302, 'https://cdn.example.net/file?sig=1'), true)
    assert.equal(answer('GET', 302, '//cdn.example.net/file'), true)
    assert.equal(answer('GET', 302, 'http://api.example.com:8443/x'), true)
    for (const status of [301, 302, 303, 307, 308])
      assert.equal(answer('POST', status, '/done'), true)
    assert.equal(answer('PUT', 303, '/done'), true)
  })
})
