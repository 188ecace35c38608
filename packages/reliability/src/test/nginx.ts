import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

/** Where Debian's package puts nginx (`npm test` installs it when missing and it can). */
const nginxBinary = process.env.NGINX_BIN ?? '/usr/sbin/nginx'

/** A stock nginx reverse proxy in front of one upstream, run as a child of the test. */
export interface Nginx {
  /** `http://127.0.0.1:<port>`: requests go through nginx to the upstream. */
  url: string
  /** nginx's own error log so far, for a failing assertion's message. */
  errorLog(): Promise<string>
  stop(): Promise<void>
}

/**
 * Starts nginx from a config of its own in a temp directory, on a free loopback port, in the
 * foreground (`daemon off`, one process), proxying to `upstreamPort` the way its documentation
 * shows: `X-Forwarded-For $proxy_add_x_forwarded_for`, and with `cache` a `proxy_cache` that
 * keeps what the upstream's `Cache-Control` allows (no `proxy_cache_valid`, no ignored headers).
 *
 * @example const nginx = await startNginx({ upstreamPort: 3000, cache: true }); …; await nginx.stop()
 */
export async function startNginx(options: {
  upstreamPort: number
  cache?: boolean
}): Promise<Nginx> {
  if (!existsSync(nginxBinary))
    throw new Error(`nginx not found at ${nginxBinary}: bash tools/test-services.sh start nginx`)
  const dir = await mkdtemp(join(tmpdir(), 'tx402-nginx-'))
  const port = await freePort()
  const config = join(dir, 'nginx.conf')
  await writeFile(config, nginxConfig(dir, port, options))
  const child = spawn(nginxBinary, ['-c', config, '-p', dir, '-e', join(dir, 'error.log')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (chunk) => {
    stderr += chunk
  })
  const errorLog = async () =>
    `${stderr}${await readFile(join(dir, 'error.log'), 'utf8').catch(() => '')}`
  const stop = async () => {
    await stopChild(child)
    await rm(dir, { recursive: true, force: true })
  }
  try {
    await listening(port, child)
  } catch (error) {
    const log = await errorLog()
    await stop()
    throw new Error(`nginx did not start: ${(error as Error).message}\n${log}`)
  }
  return { url: `http://127.0.0.1:${port}`, errorLog, stop }
}

function nginxConfig(
  dir: string,
  port: number,
  options: { upstreamPort: number; cache?: boolean },
) {
  return `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  ${options.cache ? `proxy_cache_path ${dir}/cache levels=1:2 keys_zone=tx402:1m max_size=16m inactive=10m use_temp_path=off;` : ''}
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://127.0.0.1:${options.upstreamPort};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      ${options.cache ? 'proxy_cache tx402;\n      add_header X-Cache-Status $upstream_cache_status;' : ''}
    }
  }
}
`
}

/** A loopback port nothing listens on now (the OS's pick, released for nginx to take). */
async function freePort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** Resolves once `port` accepts a connection; rejects if nginx exits first or after 10 s. */
async function listening(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}`)
    const accepted = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (accepted) return
    await sleep(50)
  }
  throw new Error('no listener after 10 s')
}

/** SIGQUIT (nginx's graceful stop), then SIGKILL if it is still there after 5 s. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.kill('SIGQUIT')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
  await exited
  clearTimeout(timer)
}
