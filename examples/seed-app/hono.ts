// `npm run demo`: serves the seed app on the in-memory store and shows how to see MISS then HIT.
import { serve } from '@hono/node-server'
import { seedApp } from './app.js'

const port = Number(process.env.PORT ?? 3000)
const server = serve({ fetch: seedApp().fetch, port }, (info) => {
  const base = `http://localhost:${info.port}`
  console.log(`cachefront demo (Hono, in-memory store) on ${base}

Each route waits 2 s for a pretend query the first time, then answers from the cache:

  curl -si -o /dev/null -w '%{time_total}s\\n' -D - ${base}/json/ | grep -iE 'cache-status|age|^[0-9.]+s'
  curl -si -o /dev/null -w '%{time_total}s\\n' -D - ${base}/json/ | grep -iE 'cache-status|age|^[0-9.]+s'

The first prints "cache-status: cachefront; fwd=miss; stored" after ~2 s (MISS),
the second "cache-status: cachefront; hit; ttl=…" within milliseconds (HIT).
Open ${base}/ in a browser for the HTML page. Ctrl+C stops the server.`)
})

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    server.close()
    process.exit(0)
  })
}
