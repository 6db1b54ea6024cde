// The cart page: lines, quantities, totals, and warnings for lines that cannot be bought.

import { api } from "../api.js";
import { formatMoney, h, notice, replace } from "../dom.js";
import * as cart from "../cart.js";
import { placeholder } from "../placeholder.js";
import { availability, link } from "./shared.js";

// What the catalog says now about each line: a warning for sold-out or short lines.
async function warnings(lines, signal) {
  const found = new Map();
  await Promise.all(
    lines.map(async (line) => {
      try {
        const product = await api(`/products/${encodeURIComponent(line.product_id)}`, { signal });
        cart.refresh(product);
        const { kind } = availability(product);
        const { available } = product.availability;
        if (kind === "out") found.set(line.product_id, "Out of stock: remove it to check out.");
        else if (kind !== "unknown" && available < line.quantity) {
          found.set(line.product_id, `Only ${available} left: lower the quantity to check out.`);
        }
      } catch (err) {
        if (err.status === 404) found.set(line.product_id, "No longer sold: remove it to check out.");
      }
    }),
  );
  return found;
}

function lineItem(line, warning) {
  const qtyId = `qty-${line.product_id}`;
  const input = h("input", { id: qtyId, type: "number", min: 0, max: 99, value: line.quantity, inputmode: "numeric" });
  input.addEventListener("change", () => cart.setQuantity(line.product_id, input.value));
  return h(
    "li",
    { class: "line", dataset: { productId: line.product_id } },
    h("div", { class: "thumb" }, placeholder(line.category)),
    h("div", {}, link(`/products/${line.product_id}`, line.name, { class: "name" }), h("div", { class: "hint" }, `${formatMoney(line.price)} each`)),
    h(
      "div",
      { class: "controls" },
      h("label", { for: qtyId, class: "visually-hidden" }, `Quantity of ${line.name}`),
      input,
      h("button", { type: "button", class: "button link", onclick: () => cart.remove(line.product_id), "aria-label": `Remove ${line.name}` }, "Remove"),
      h("span", { class: "total" }, formatMoney({ amount: line.price.amount * line.quantity, currency: line.price.currency })),
    ),
    warning ? h("p", { class: "warning" }, warning) : null,
  );
}

export function cartSummary(lines) {
  return cart.totals(lines).map((t) => formatMoney(t)).join(" + ");
}

export async function renderCart({ main, signal }) {
  document.title = "Your cart · Mercado";
  // Redraws keep the keyboard where it was: on the same field, else on the page itself.
  const draw = (problems) => {
    const active = main.contains(document.activeElement) ? document.activeElement : null;
    paint(problems);
    if (!active || main.contains(active)) return;
    const again = active.id && document.getElementById(active.id);
    (again || main).focus({ preventScroll: Boolean(again) });
  };
  const paint = (problems) => {
    const lines = cart.lines();
    if (!lines.length) {
      replace(main, h("h1", {}, "Your cart"), notice("", "Your cart is empty.", "Find something you like.", link("/", "Browse products", { class: "button" })));
      return;
    }
    const blocked = lines.some((l) => problems.has(l.product_id));
    replace(
      main,
      h("h1", {}, "Your cart"),
      h("ul", { class: "lines", "aria-label": "Cart lines" }, ...lines.map((l) => lineItem(l, problems.get(l.product_id)))),
      blocked ? notice("warn", "Some items cannot be bought as they are.", "Change or remove them to check out.") : null,
      h(
        "div",
        { class: "summary" },
        h("p", { class: "grand" }, "Total ", h("span", { id: "cart-total" }, cartSummary(lines))),
        h("div", { class: "row" }, link("/", "Continue shopping", { class: "button secondary" }),
          blocked
            ? h("button", { type: "button", class: "button", disabled: true }, "Checkout")
            : link("/checkout", "Checkout", { class: "button", id: "go-checkout" })),
      ),
    );
  };
  let problems = new Map();
  draw(problems);
  const onChange = () => draw(problems);
  window.addEventListener("cart-changed", onChange);
  signal.addEventListener("abort", () => window.removeEventListener("cart-changed", onChange));
  const lines = cart.lines();
  if (lines.length) {
    problems = await warnings(lines, signal);
    if (!signal.aborted) draw(problems);
  }
}
