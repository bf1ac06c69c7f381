// The two responses every throughput variant serves: a ~4 KB HTML page and a ~1 KB JSON body.
// Built once, deterministically, so every framework and cache sends the same bytes.

function htmlPage(): string {
  const rows: string[] = []
  for (let i = 0; rows.join('').length < 3950; i++) {
    rows.push(
      `<li class="item"><a href="/products/${i}">Product ${i}</a> <span>$${(i * 7.25).toFixed(2)}</span></li>\n`,
    )
  }
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Products</title></head>\n<body><h1>Products</h1><ul>\n${rows.join('')}</ul></body></html>\n`
}

function jsonBody(): string {
  const items = []
  for (let i = 0; JSON.stringify(items).length < 960; i++) items.push({ id: i, name: `item-${i}`, price: i * 3 })
  return JSON.stringify({ items })
}

export const HTML = htmlPage()
export const JSON_BODY = jsonBody()
export const HTML_BYTES = Buffer.from(HTML)
export const JSON_BYTES = Buffer.from(JSON_BODY)
export const HTML_TYPE = 'text/html; charset=utf-8'
export const JSON_TYPE = 'application/json; charset=utf-8'

/** The routes every bench server exposes, and what each answers. */
export const ROUTES = {
  html: { path: '/page.html', type: HTML_TYPE, text: HTML, bytes: HTML_BYTES },
  json: { path: '/data.json', type: JSON_TYPE, text: JSON_BODY, bytes: JSON_BYTES },
} as const
export type BodyKind = keyof typeof ROUTES
