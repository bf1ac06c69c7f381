// What the demos print on start: how to see a MISS, then a HIT, with Cache-Status and timing.

export function demoBanner(framework: string, base: string): string {
  const curl = `curl -si -o /dev/null -w '%{time_total}s\\n' -D - ${base}/json/ | grep -iE 'cache-status|age|^[0-9.]+s'`
  return `cachefront demo (${framework}, in-memory store) on ${base}

Each route waits 2 s for a pretend query the first time, then answers from the cache:

  ${curl}
  ${curl}

The first prints "cache-status: cachefront; fwd=miss; stored" after ~2 s (MISS),
the second "cache-status: cachefront; hit; ttl=…" within milliseconds (HIT).
Open ${base}/ in a browser for the HTML page. Ctrl+C stops the server.`
}
