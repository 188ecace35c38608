/** One runnable block of a documentation page, in page order. */
export type Step =
  | { kind: 'sh'; code: string }
  /** A ts block the reader saves as `path` (relative to the repository). */
  | { kind: 'file'; path: string; code: string }
  /** A block the reader runs against a public faucet; a test funds its own chains instead. */
  | { kind: 'faucet'; code: string }

const marked =
  /<!-- test-step(?::\s*(file\s+(\S+)|faucet))?\s*-->\s*\n```(\w+)[^\n]*\n([\s\S]*?)\n```/g

/**
 * The blocks of a Markdown page marked runnable by an HTML comment just before them (invisible
 * once rendered): `<!-- test-step -->` before a ```sh block runs it, `<!-- test-step: file
 * apps/x/y.ts -->` before a ```ts block saves it there, `<!-- test-step: faucet -->` stands for
 * funding from a public faucet. Throws on a marker not followed by a code block, so a broken
 * marker cannot silently skip a step.
 *
 * @example const steps = readPageSteps(readFileSync('docs/local-to-mainnet.md', 'utf8'))
 */
export function readPageSteps(markdown: string): Step[] {
  const markers = markdown.match(/<!-- test-step/g)?.length ?? 0
  const steps: Step[] = []
  for (const [, option, path, language, code] of markdown.matchAll(marked)) {
    if (option?.startsWith('file')) {
      steps.push({ kind: 'file', path: path!, code: `${code}\n` })
    } else if (option === 'faucet') {
      steps.push({ kind: 'faucet', code: code! })
    } else if (language === 'sh') {
      steps.push({ kind: 'sh', code: code! })
    } else {
      throw new Error(`A test-step marks a ${language} block; only sh blocks run:\n${code}`)
    }
  }
  if (steps.length !== markers) {
    throw new Error(
      `${markers} test-step markers, but ${steps.length} are followed by a code block.`,
    )
  }
  return steps
}
