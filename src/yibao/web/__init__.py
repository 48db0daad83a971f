"""The bureau's console (控制台, zh-CN): server-rendered pages for bureau staff, mounted under
`/console` on the API application. Thin like the API: a route reads its input, calls one
service and renders the result with the small escaping functions of `yibao.web.html`; every
asset is inline (no CDN, no web font). See docs/console.md."""
