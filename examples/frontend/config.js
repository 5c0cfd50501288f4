// The one setting: where the content API lives. A `?api=` query parameter overrides it
// (the browser tests use that to point the page at a server on another port).
window.CONTENT_API = new URLSearchParams(location.search).get("api") || "http://127.0.0.1:5000/api/v1";
