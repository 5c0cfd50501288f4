// A frontend's or a script's day with the API, through the types generated from its OpenAPI 3.1 document
// (src/schema.d.ts) and openapi-fetch: every path, parameter, body and answer below is type-checked
// (`tsc --strict`). Run against a live server: API_BASE_URL (default http://127.0.0.1:5000/api/v1) and,
// for the edit, API_KEY (an editor's key). Each step prints one line; a step that fails throws.
import createClient from "openapi-fetch";

import type { components, paths } from "./schema.js";

type Problem = components["schemas"]["Problem"];

const baseUrl = process.env.API_BASE_URL ?? "http://127.0.0.1:5000/api/v1";
const key = process.env.API_KEY;
const api = createClient<paths>({ baseUrl });

function fail(step: string, problem: Problem | undefined, status: number): never {
  throw new Error(`${step}: ${status} ${problem?.detail ?? ""}`);
}

// 1. List the newest articles.
const listed = await api.GET("/articles", { params: { query: { per_page: 5, sort: "-published_at" } } });
if (!listed.data) fail("list", listed.error, listed.response.status);
const slug = listed.data.data[0]?.slug;
if (slug === undefined) throw new Error("list: no article to read");
console.log(`listed ${listed.data.meta.total} articles; the newest is ${slug}`);

// 2. Read one, then revalidate it with its ETag: 304, no body.
const read = await api.GET("/articles/{slug}", { params: { path: { slug } } });
if (!read.data) fail("read", read.error, read.response.status);
const etag = read.response.headers.get("ETag") ?? "";
const again = await api.GET("/articles/{slug}", { params: { path: { slug }, header: { "If-None-Match": etag } } });
if (again.response.status !== 304) throw new Error(`revalidate: ${again.response.status}, not 304`);
console.log(`read "${read.data.data.title}" (${read.data.data.reading_time_minutes} min); revalidated: 304`);

// 3. Edit one field with If-Match (a key holder's ETag is that of the key holder's own read).
if (key !== undefined) {
  const authorization = { Authorization: `Bearer ${key}` };
  const mine = await api.GET("/articles/{slug}", { params: { path: { slug } }, headers: authorization });
  if (!mine.data) fail("read with a key", mine.error, mine.response.status);
  const edited = await api.PATCH("/articles/{slug}", {
    params: { path: { slug }, header: { "If-Match": mine.response.headers.get("ETag") ?? "" } },
    body: { excerpt: "Edited through the generated TypeScript types." },
    headers: authorization,
  });
  if (!edited.data) fail("edit", edited.error, edited.response.status);
  console.log(`edited the excerpt; status still ${edited.data.data.status}, title still "${edited.data.data.title}"`);
}

// 4. A bad request answers a problem (RFC 9457) that names the bad parameter.
const bad = await api.GET("/articles", { params: { query: { per_page: 500 } } });
if (bad.error === undefined) throw new Error("bad request: no problem");
console.log(`per_page=500: ${bad.error.status} ${bad.error.title}; errors name ${Object.keys(bad.error.errors ?? {}).join(", ")}`);
