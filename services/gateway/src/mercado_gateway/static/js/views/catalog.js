// The product list (browse, search, category, sort, pages) and the product page.

import { api, ApiError, query } from "../api.js";
import { formatMoney, h, notice, plural, replace } from "../dom.js";
import { picture } from "../placeholder.js";
import { addToCartButton, availabilityBadge, link, loadError } from "./shared.js";

const PAGE_SIZE = 24;
const SORTS = [
  ["name", "Name (A–Z)"],
  ["-name", "Name (Z–A)"],
  ["price", "Price (low to high)"],
  ["-price", "Price (high to low)"],
  ["newest", "Newest"],
];

function card(product) {
  const href = `/products/${product.id}`;
  return h(
    "li",
    { class: "card", dataset: { productId: product.id, sku: product.sku } },
    h("a", { href, tabindex: "-1", "aria-hidden": "true" }, picture(product)),
    h(
      "div",
      { class: "body" },
      h("h2", {}, link(href, product.name)),
      h("p", { class: "category" }, product.category.name),
      availabilityBadge(product),
      h("div", { class: "buy" }, h("span", { class: "price" }, formatMoney(product.price)), addToCartButton(product)),
    ),
  );
}

function categoryNav(categories, current, params) {
  const href = (slug) => `/${query({ q: params.q, category: slug, sort: params.sort })}`;
  const item = (slug, name) =>
    h("li", {}, h("a", { href: href(slug), "aria-current": (current || "") === (slug || "") ? "page" : null }, name));
  return h(
    "nav",
    { "aria-label": "Categories" },
    h("ul", { class: "categories" }, item("", "All"), ...categories.map((c) => item(c.slug, c.name))),
  );
}

function sortControl(params, navigate) {
  const select = h(
    "select",
    { id: "sort", name: "sort" },
    ...SORTS.map(([value, label]) => h("option", { value, selected: (params.sort || "name") === value }, label)),
  );
  select.addEventListener("change", () => navigate(`/${query({ ...params, sort: select.value, page: null })}`));
  return h("div", { class: "sort" }, h("label", { for: "sort" }, "Sort by"), select);
}

function pager(params, total) {
  const page = params.page;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  if (pages === 1) return null;
  const to = (p) => `/${query({ ...params, page: p > 1 ? p : null })}`;
  return h(
    "nav",
    { class: "pager", "aria-label": "Pages" },
    page > 1 ? link(to(page - 1), "← Previous", { class: "button secondary", rel: "prev" }) : null,
    h("span", {}, `Page ${page} of ${pages}`),
    page < pages ? link(to(page + 1), "Next →", { class: "button secondary", rel: "next" }) : null,
  );
}

function heading(params, categories) {
  if (params.q) return `Results for “${params.q}”`;
  const category = categories.find((c) => c.slug === params.category);
  return category ? category.name : "All products";
}

export async function renderHome({ main, url, signal, navigate, rerender }) {
  const params = {
    q: url.searchParams.get("q") || "",
    category: url.searchParams.get("category") || "",
    sort: url.searchParams.get("sort") || "",
    page: Math.max(1, Number.parseInt(url.searchParams.get("page") || "1", 10) || 1),
  };
  document.getElementById("search-input").value = params.q;
  replace(main, h("h1", {}, "Products"), h("p", { class: "result-count" }, "Loading products…"));
  const listing = api(
    `/products${query({ q: params.q, category: params.category, sort: params.sort, limit: PAGE_SIZE, offset: (params.page - 1) * PAGE_SIZE })}`,
    { signal },
  );
  const categories = api("/categories?limit=100", { signal }).then((p) => p.items, () => []);
  let page;
  try {
    page = await listing;
  } catch (err) {
    if (err.name === "AbortError") return;
    replace(main, h("h1", {}, "Products"), loadError(err, "product catalog", rerender));
    return;
  }
  const cats = await categories;
  document.title = `${heading(params, cats)} · Mercado`;
  replace(
    main,
    h("h1", {}, heading(params, cats)),
    h("div", { class: "toolbar" }, categoryNav(cats, params.category, params), sortControl(params, navigate)),
    h("p", { class: "result-count", role: "status" }, plural(page.total, "product", "products")),
    page.items.length
      ? h("ul", { class: "grid", "aria-label": "Products" }, ...page.items.map(card))
      : notice("", params.q ? `No products match “${params.q}”.` : "No products here yet.", "Try another search or category.", link("/", "See all products")),
    pager(params, page.total),
  );
}

export async function renderProduct({ main, id, signal, rerender }) {
  replace(main, h("p", {}, "Loading…"));
  let product;
  try {
    product = await api(`/products/${encodeURIComponent(id)}`, { signal });
  } catch (err) {
    if (err.name === "AbortError") return;
    const missing = err instanceof ApiError && err.status === 404;
    replace(
      main,
      link("/", "← Back to products", { class: "back" }),
      missing ? notice("warn", "This product does not exist (any more).", null) : loadError(err, "product catalog", rerender),
    );
    return;
  }
  document.title = `${product.name} · Mercado`;
  const quantity = h("input", { id: "quantity", type: "number", min: 1, max: 99, value: 1, inputmode: "numeric" });
  const amount = () => Math.max(1, Math.min(99, Number.parseInt(quantity.value, 10) || 1));
  replace(
    main,
    link(`/${query({ category: product.category.slug })}`, `← ${product.category.name}`, { class: "back" }),
    h(
      "article",
      { class: "product", dataset: { productId: product.id, sku: product.sku } },
      h("div", { class: "media" }, picture(product)),
      h(
        "div",
        {},
        h("h1", {}, product.name),
        h("p", { class: "price" }, formatMoney(product.price)),
        availabilityBadge(product),
        h("p", {}, product.description),
        h("p", { class: "hint" }, `SKU ${product.sku}`),
        h(
          "form",
          { onsubmit: (e) => e.preventDefault() },
          h("div", { class: "field" }, h("label", { for: "quantity" }, "Quantity"), quantity),
          addToCartButton(product, amount),
        ),
      ),
    ),
  );
}
