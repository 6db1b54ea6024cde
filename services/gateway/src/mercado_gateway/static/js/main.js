// The storefront: a small router over the page paths the gateway serves.

import { h, replace } from "./dom.js";
import * as cart from "./cart.js";
import { renderCart } from "./views/cart.js";
import { renderHome, renderProduct } from "./views/catalog.js";
import { renderCheckout } from "./views/checkout.js";
import { renderOrder, renderOrders } from "./views/order.js";

const ROUTES = [
  [/^\/$/, renderHome],
  [/^\/products\/([A-Za-z0-9-]+)$/, renderProduct],
  [/^\/cart$/, renderCart],
  [/^\/checkout$/, renderCheckout],
  [/^\/orders$/, renderOrders],
  [/^\/orders\/([A-Za-z0-9-]+)$/, renderOrder],
];

const main = document.getElementById("main");
let controller = null;

function updateBadge() {
  const n = cart.count();
  document.getElementById("cart-count").textContent = String(n);
}

function navigate(path) {
  history.pushState({}, "", path);
  render({ focus: true });
}

function render({ focus = false } = {}) {
  if (controller) controller.abort();
  controller = new AbortController();
  const url = new URL(location.href);
  const context = { main, url, signal: controller.signal, navigate, rerender: () => render() };
  const route = ROUTES.find(([pattern]) => pattern.test(url.pathname));
  if (!route) {
    replace(main, h("h1", {}, "Page not found"), h("a", { href: "/" }, "Go to the shop"));
  } else {
    const [pattern, view] = route;
    const match = url.pathname.match(pattern);
    Promise.resolve(view({ ...context, id: match[1] })).catch((err) => {
      if (err.name !== "AbortError") console.error(err);
    });
  }
  if (focus) {
    window.scrollTo(0, 0);
    main.focus({ preventScroll: true });
  }
}

// Links inside the page are handled here (no reload); others behave as usual.
document.addEventListener("click", (event) => {
  const a = event.target.closest("a[href]");
  if (!a || a.getAttribute("href").startsWith("#") || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || a.target) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith("/api/") || url.pathname.startsWith("/static/")) return;
  event.preventDefault();
  navigate(url.pathname + url.search);
});

document.getElementById("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const q = document.getElementById("search-input").value.trim();
  navigate(q ? `/?q=${encodeURIComponent(q)}` : "/");
});

window.addEventListener("popstate", () => render({ focus: true }));
window.addEventListener("cart-changed", updateBadge);
window.addEventListener("storage", updateBadge);
updateBadge();
render();
