// A stack frame, raw or JSON-escaped ("at fn (file.ts:1:2)"), or a source position of any kind.
const stackFrame =
  /\bat (?:async )?[\w$.<>[\]]+ \(|(?:\/|\\\\|file:)[\w./@-]+\.(?:ts|js|mjs|cjs):\d+/
const internals = ['node_modules', '/packages/', 'Error: ']

/**
 * What a response must never show: a stack trace or source path, or one of `secrets` (RPC and
 * database addresses, an API key, the challenge secret). Returns what was found, or undefined.
 *
 * @example findLeak(await response.text(), lab.secrets) // undefined
 */
export function findLeak(text: string, secrets: readonly string[]): string | undefined {
  const lower = text.toLowerCase()
  for (const secret of secrets) if (lower.includes(secret.toLowerCase())) return secret
  if (stackFrame.test(text)) return `a stack frame: ${stackFrame.exec(text)![0]}`
  for (const word of internals) if (text.includes(word)) return word
  return undefined
}
