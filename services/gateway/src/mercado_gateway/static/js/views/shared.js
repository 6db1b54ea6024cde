// Pieces several pages show: availability, add-to-cart, and the "unavailable" message.

import { h, notice, toast } from "../dom.js";
import * as cart from "../cart.js";

const LOW_STOCK = 5;

// Availability is null while the catalog does not know it (inventory has not told it).
export function availability(product) {
  const { available, in_stock: inStock } = product.availability || {};
  if (available === null || available === undefined || inStock === null) {
    return { text: "Availability unknown", kind: "unknown" };
  }
  if (!inStock || available <= 0) return { text: "Out of stock", kind: "out" };
  if (available <= LOW_STOCK) return { text: `Only ${available} left`, kind: "low" };
  return { text: "In stock", kind: "in" };
}

export function availabilityBadge(product) {
  const { text, kind } = availability(product);
  return h("p", { class: `availability ${kind}`, dataset: { availability: kind } }, text);
}

export function addToCartButton(product, quantity = () => 1) {
  const soldOut = availability(product).kind === "out";
  return h(
    "button",
    {
      type: "button",
      class: "button add-to-cart",
      disabled: soldOut,
      "aria-label": soldOut ? `${product.name} is out of stock` : `Add ${product.name} to cart`,
      onclick: () => {
        const n = quantity();
        cart.add(product, n);
        toast(`Added ${n} × ${product.name} to your cart`);
      },
    },
    soldOut ? "Sold out" : "Add to cart",
  );
}

// What a page says when its data could not be loaded.
export function loadError(err, what, retry) {
  if (err.unavailable) {
    return notice(
      "error",
      `The ${what} is unavailable right now.`,
      "Please try again in a moment.",
      h("button", { type: "button", class: "button", onclick: retry }, "Try again"),
    );
  }
  return notice("error", `The ${what} could not be loaded.`, err.message);
}

export function link(href, text, attrs = {}) {
  return h("a", { href, ...attrs }, text);
}
