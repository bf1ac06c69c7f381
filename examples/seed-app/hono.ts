// `npm run demo`: serves the seed app on the in-memory store and shows how to see MISS then HIT.
import { serve } from '@hono/node-server'
import { seedApp } from './app.js'
import { demoBanner } from './banner.js'

const port = Number(process.env.PORT ?? 3000)
const server = serve({ fetch: seedApp().fetch, port }, (info) => {
  const base = `http://localhost:${info.port}`
  console.log(demoBanner('Hono', base))
})

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    server.close()
    process.exit(0)
  })
}
