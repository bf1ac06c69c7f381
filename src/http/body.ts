// Buffers a response body up to a bound; past it, hands back a stream that replays what was
// read and continues with the rest, so the client gets every byte and the cache holds none.

export type CollectedBody =
  | { readonly complete: true; readonly bytes: Uint8Array }
  | { readonly complete: false; readonly stream: ReadableStream<Uint8Array> }

const EMPTY = new Uint8Array(0)

export async function collectBody(stream: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<CollectedBody> {
  if (stream === null) return { complete: true, bytes: EMPTY }
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    chunks.push(value)
    total += value.byteLength
    if (total > maxBytes) return { complete: false, stream: replayThenRest(chunks, reader) }
  }
  return { complete: true, bytes: concat(chunks, total) }
}

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!
  const bytes = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return bytes
}

function replayThenRest(
  read: Uint8Array[],
  reader: ReadableStreamDefaultReader<Uint8Array>,
): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = read.shift()
      if (next !== undefined) return controller.enqueue(next)
      const { done, value } = await reader.read()
      if (done) controller.close()
      else controller.enqueue(value)
    },
    cancel(reason) {
      return reader.cancel(reason)
    },
  })
}
