// The demo site's shared code: fetch JSON from the content API (another origin, through CORS)
// and build the page with DOM methods. Text always goes in as text; only body_html, which the
// API has already sanitized, goes in as HTML.
"use strict";

const API = window.CONTENT_API;

async function getJSON(path) {
  const response = await fetch(API + path, { headers: { Accept: "application/json" } });
  const body = await response.json();
  if (!response.ok) throw new Error(body.detail || response.statusText);
  return body;
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== null && value !== undefined) node.setAttribute(name, value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

// Links keep the ?api= setting, so the whole demo talks to the same API.
function pageLink(page, params = {}) {
  const query = new URLSearchParams(params);
  const api = new URLSearchParams(location.search).get("api");
  if (api) query.set("api", api);
  const text = query.toString();
  return text ? `${page}?${text}` : page;
}

function showError(container, error) {
  container.replaceChildren(el("p", { class: "error", role: "alert" }, `Could not load this: ${error.message}`));
}

function formatDate(iso) {
  return iso ? new Date(iso).toLocaleDateString(undefined, { year: "numeric", month: "long", day: "numeric" }) : "";
}

// A library image as the API describes it, as a <picture>: AVIF and WebP where the browser takes them, the
// original's format otherwise; its intrinsic size is set, so the page does not jump as it loads, and its
// average colour fills the space meanwhile.
function picture(image, sizes, extra = {}) {
  const sources = ["avif", "webp"].filter((format) => image.srcset[format] && format !== image.format)
    .map((format) => el("source", { type: `image/${format}`, srcset: image.srcset[format], sizes }));
  return el("picture", {}, sources, el("img", {
    src: image.src, srcset: image.srcset[image.format] || null, sizes, width: image.width, height: image.height,
    alt: image.alt, loading: "lazy", decoding: "async", style: `background-color: ${image.placeholder.color}`, ...extra,
  }));
}

function articleCard(article) {
  return el("article", { class: "card", "data-slug": article.slug },
    article.feature_image ? picture(article.feature_image, "(max-width: 720px) 100vw, 360px", { class: "thumb" }) : null,
    el("h3", {}, el("a", { href: pageLink("article.html", { slug: article.slug }) }, article.title)),
    article.published_at ? el("p", { class: "meta" }, formatDate(article.published_at)) : null,
    article.search ? el("p", { class: "snippet" }) : el("p", {}, article.excerpt || ""),
  );
}

// A search snippet is HTML-escaped by the API except for its <mark> tags: rebuild it without innerHTML.
function fillSnippet(paragraph, snippet) {
  const template = document.createElement("template");
  template.innerHTML = snippet;
  for (const node of template.content.childNodes) {
    paragraph.append(node.nodeName === "MARK" ? el("mark", {}, node.textContent) : node.textContent);
  }
}

function openBadge(hours) {
  if (hours.open_now === true) return el("span", { class: "badge open" }, "Open now");
  if (hours.open_now === false) return el("span", { class: "badge closed" }, "Closed now");
  return el("span", { class: "badge unknown" }, "Open today — call for times");
}

function hoursTable(hours) {
  return el("table", { class: "hours" },
    hours.weekly.map((day) => el("tr", {},
      el("th", { scope: "row" }, day.day[0].toUpperCase() + day.day.slice(1)),
      el("td", {}, day.closed ? "Closed"
        : day.intervals.map((i) => (i.opens ? `${i.opens}–${i.closes}` : "Open (call for times)")).join(", ")),
    )));
}

async function renderHome() {
  const main = document.querySelector("main");
  try {
    const [{ data: studio }, { data: hours }, articles] = await Promise.all([
      getJSON("/studio"), getJSON("/studio/hours"), getJSON("/articles?per_page=3&fields=slug,title,excerpt,published_at,feature_image"),
    ]);
    document.title = studio.name;
    main.replaceChildren(
      el("section", { class: "hero" }, studio.hero_slides.map((slide) =>
        el("div", { class: "slide" },
          slide.image ? picture(slide.image, "(max-width: 720px) 100vw, 360px", { loading: "eager" }) : null,
          el("h2", {}, slide.headline), el("p", {}, slide.subheadline)))),
      el("section", { id: "about" }, el("h2", {}, "About"), el("p", {}, studio.about),
        el("ul", { class: "highlights" }, studio.highlights.map((h) => el("li", {}, h)))),
      el("section", { id: "hours" }, el("h2", {}, "Hours ", openBadge(hours)), hoursTable(hours),
        el("p", { class: "meta" }, `Times are ${hours.time_zone}.`)),
      el("section", { id: "latest" }, el("h2", {}, "Latest articles"), articles.data.map(articleCard),
        el("p", {}, el("a", { href: pageLink("articles.html") }, "All articles →"))),
    );
  } catch (error) {
    showError(main, error);
  }
}

async function renderArticleList() {
  const params = new URLSearchParams(location.search);
  const results = document.querySelector("#results");
  const select = document.querySelector("#topic");
  const search = document.querySelector("#q");
  search.value = params.get("q") || "";
  try {
    const topics = await getJSON("/topics?per_page=100&fields=slug,name");
    select.append(...topics.data.map((t) => el("option", { value: t.slug }, t.name)));
    select.value = params.get("topic") || "";
    const query = new URLSearchParams({ per_page: "20", fields: "slug,title,excerpt,published_at,search" });
    if (params.get("topic")) query.set("topic", params.get("topic"));
    if (params.get("q")) query.set("q", params.get("q"));
    const articles = await getJSON(`/articles?${query}`);
    results.replaceChildren(
      el("p", { class: "meta", id: "count" }, `${articles.meta.total} article${articles.meta.total === 1 ? "" : "s"}`),
      ...articles.data.map((article) => {
        const card = articleCard(article);
        if (article.search) fillSnippet(card.querySelector(".snippet"), article.search.snippet);
        return card;
      }),
    );
  } catch (error) {
    showError(results, error);
  }
}

async function renderArticle() {
  const main = document.querySelector("main");
  const params = new URLSearchParams(location.search);
  const slug = params.get("slug");
  // A preview link (?preview=<token>) reads a draft with its token, as the public will see it once published.
  const preview = params.get("preview");
  try {
    const { data: article } = await getJSON(
      preview ? `/previews/${encodeURIComponent(preview)}` : `/articles/${encodeURIComponent(slug)}`);
    document.title = article.seo.title;
    const body = el("div", { class: "body" });
    body.innerHTML = article.body_html; // sanitized by the API (nh3 allowlist)
    main.replaceChildren(el("article", {},
      preview ? el("p", { class: "preview", role: "status" }, "Preview: this article is not published yet.") : null,
      el("h1", {}, article.title),
      article.feature_image ? el("figure", { class: "feature" },
        picture(article.feature_image, "(max-width: 720px) 100vw, 720px", { loading: "eager", id: "feature-image" }),
        article.feature_image.caption ? el("figcaption", {}, article.feature_image.caption) : null) : null,
      // A draft has no publication date yet: just its reading time.
      el("p", { class: "meta" }, [formatDate(article.published_at), `${article.reading_time_minutes} min read`]
        .filter(Boolean).join(" · ")),
      el("ul", { class: "topics" }, article.topics.map((t) =>
        el("li", {}, el("a", { href: pageLink("topic.html", { slug: t.slug }) }, t.name)))),
      el("nav", { class: "toc" }, el("ol", {}, article.toc.map((h) => el("li", {}, el("a", { href: `#${h.id}` }, h.text))))),
      body,
    ));
  } catch (error) {
    showError(main, error);
  }
}

async function renderTopic() {
  const main = document.querySelector("main");
  const slug = new URLSearchParams(location.search).get("slug");
  const section = (title, passages) => passages.length
    ? el("section", {}, el("h2", {}, title), passages.map((p) => el("p", {}, p))) : null;
  try {
    const { data: topic } = await getJSON(`/topics/${encodeURIComponent(slug)}`);
    document.title = topic.name;
    main.replaceChildren(el("article", {},
      el("h1", {}, topic.name),
      topic.image ? picture(topic.image, "(max-width: 720px) 100vw, 720px", { loading: "eager" }) : null,
      topic.aliases.length ? el("p", { class: "meta" }, `Also called ${topic.aliases.join(", ")}`) : null,
      topic.body_region ? el("p", { class: "meta" }, `Region: ${topic.body_region}`) : null,
      topic.summary ? el("p", { class: "summary" }, topic.summary) : null,
      section("Where it attaches", topic.attachments),
      section("What it does", topic.actions),
      section("What stresses it", topic.stressors),
      section("How problems show", topic.signs),
      section("How problems are found", topic.assessment),
      section("What helps", topic.care),
      el("section", { id: "related" }, el("h2", {}, "Related muscles"),
        el("ul", {}, topic.related.map((t) => el("li", {}, el("a", { href: pageLink("topic.html", { slug: t.slug }) }, t.name))))),
      el("section", { id: "topic-articles" }, el("h2", {}, "Articles"), topic.articles.map(articleCard),
        // A topic carries its latest ten articles; the list pages through all of them.
        topic.article_count > topic.articles.length
          ? el("p", {}, el("a", { href: pageLink("articles.html", { topic: topic.slug }) }, `All ${topic.article_count} articles`))
          : null),
    ));
  } catch (error) {
    showError(main, error);
  }
}

// Every page's header: the studio's logo (when it has one) and name, and a tap-to-call link.
async function fillHeader() {
  try {
    const { data: studio } = await getJSON("/studio");
    const brand = document.querySelector("#studio-name");
    // The name is the link's text, so the logo beside it is decorative (alt="").
    brand.replaceChildren(
      ...(studio.logo ? [picture(studio.logo, "6rem", { alt: "", loading: "eager", class: "logo" })] : []), studio.name);
    const phone = document.querySelector("#phone");
    phone.textContent = `Call ${studio.phone.display}`;
    phone.href = `tel:${studio.phone.e164}`;
  } catch (error) {
    document.querySelector("#phone").remove();
  }
}

document.querySelectorAll("a[data-page]").forEach((a) => { a.href = pageLink(a.dataset.page); });
fillHeader();
