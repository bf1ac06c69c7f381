// Buffers a Node stream body up to a bound; past it, hands back a stream that replays what was
// read and continues with the rest, so the client gets every byte and the cache holds none.
import { Readable } from 'node:stream'

export type CollectedNodeBody =
  { readonly complete: true; readonly bytes: Uint8Array } | { readonly complete: false; readonly stream: Readable }

export async function collectNodeBody(stream: Readable, maxBytes: number): Promise<CollectedNodeBody> {
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<unknown>
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await iterator.next()
    if (done === true) break
    const bytes = toBytes(value)
    chunks.push(bytes)
    total += bytes.byteLength
    if (total > maxBytes) return { complete: false, stream: Readable.from(replayThenRest(chunks, iterator)) }
  }
  return { complete: true, bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total) }
}

async function* replayThenRest(read: Uint8Array[], iterator: AsyncIterator<unknown>): AsyncGenerator<Uint8Array> {
  yield* read.splice(0)
  for (;;) {
    const { done, value } = await iterator.next()
    if (done === true) return
    yield toBytes(value)
  }
}

// Streams in object mode (Readable.from(['…'])) yield strings.
function toBytes(value: unknown): Uint8Array {
  if (typeof value === 'string') return Buffer.from(value)
  if (value instanceof Uint8Array) return value
  throw new TypeError('cachefront: a response stream must yield strings, Buffers or Uint8Arrays')
}
