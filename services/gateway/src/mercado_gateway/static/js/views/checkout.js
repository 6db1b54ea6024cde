// Checkout: e-mail and card, then the order is placed and followed on its own page.

import { api, newKey } from "../api.js";
import { formatMoney, h, notice, replace } from "../dom.js";
import * as cart from "../cart.js";
import { link } from "./shared.js";
import { cartSummary } from "./cart.js";

const EMAIL_KEY = "mercado.email";

// One key per distinct order body: resubmitting the same order (after a timeout or an
// unavailable backend) reuses it, so it can never be placed twice.
let attempt = { body: null, key: null };

function keyFor(body) {
  const text = JSON.stringify(body);
  if (attempt.body !== text) attempt = { body: text, key: newKey() };
  return attempt.key;
}

function field(id, label, attrs, hint) {
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    h("input", { id, name: id, required: true, ...attrs, "aria-describedby": hint ? `${id}-hint` : null }),
    hint ? h("span", { id: `${id}-hint`, class: "hint" }, hint) : null,
  );
}

function select(id, label, options) {
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    h("select", { id, name: id, required: true }, h("option", { value: "" }, "—"), ...options.map((o) => h("option", { value: o }, o))),
  );
}

function failure(err) {
  if (err.unavailable) {
    return notice("error", "We could not place your order: ordering is unavailable right now.", "Nothing was charged and your cart is kept. Please try again in a moment.");
  }
  if (err.code === "unknown_product") {
    return notice("error", "Some items in your cart are no longer sold.", "Remove them from your cart and try again.", link("/cart", "Review your cart"));
  }
  if (err.code === "validation_error") {
    const fields = (err.details.fields || []).map((f) => f.field.split(".").pop()).join(", ");
    return notice("error", "Please check your details.", fields ? `Not accepted: ${fields}.` : err.message);
  }
  return notice("error", "We could not place your order.", err.message);
}

export function renderCheckout({ main, navigate }) {
  document.title = "Checkout · Mercado";
  const lines = cart.lines();
  if (!lines.length) {
    replace(main, h("h1", {}, "Checkout"), notice("", "Your cart is empty.", null, link("/", "Browse products", { class: "button" })));
    return;
  }
  const year = new Date().getFullYear();
  const months = Array.from({ length: 12 }, (_, i) => String(i + 1).padStart(2, "0"));
  const years = Array.from({ length: 15 }, (_, i) => String(year + i));
  const message = h("div", { id: "checkout-message", "aria-live": "assertive" });
  const submit = h("button", { type: "submit", class: "button", id: "place-order" }, `Place order · ${cartSummary(lines)}`);
  const form = h(
    "form",
    { id: "checkout-form", "aria-describedby": "checkout-message" },
    h("fieldset", {}, h("legend", {}, "Contact"),
      field("email", "E-mail", { type: "email", autocomplete: "email", value: localStorage.getItem(EMAIL_KEY) || "" }, "We send your confirmation here.")),
    h(
      "fieldset",
      {},
      h("legend", {}, "Card"),
      field("card-number", "Card number", { inputmode: "numeric", autocomplete: "cc-number", pattern: "[0-9 ]{12,23}", maxlength: 23 }, "Demo: 4242 4242 4242 4242 is accepted; 4000 0000 0000 0002 is declined."),
      h("div", { class: "row" }, select("exp-month", "Expiry month", months), select("exp-year", "Expiry year", years),
        field("cvc", "CVC", { inputmode: "numeric", autocomplete: "cc-csc", pattern: "[0-9]{3,4}", maxlength: 4 })),
    ),
    message,
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    const value = (id) => form.elements[id].value.trim();
    const email = value("email");
    localStorage.setItem(EMAIL_KEY, email);
    const body = {
      customer: { email },
      lines: cart.lines().map((l) => ({ product_id: l.product_id, quantity: l.quantity })),
      payment: { card: { number: value("card-number").replace(/\s+/g, ""), exp_month: Number(value("exp-month")), exp_year: Number(value("exp-year")), cvc: value("cvc") } },
    };
    submit.disabled = true;
    submit.textContent = "Placing order…";
    message.replaceChildren();
    try {
      let order;
      try {
        order = await api("/orders", { method: "POST", body, headers: { "Idempotency-Key": keyFor(body) } });
      } catch (err) {
        if (err.code !== "idempotency_key_reused") throw err;
        attempt = { body: null, key: null };
        order = await api("/orders", { method: "POST", body, headers: { "Idempotency-Key": keyFor(body) } });
      }
      cart.rememberOrder(order, true);
      attempt = { body: null, key: null };
      navigate(`/orders/${order.id}`);
    } catch (err) {
      message.replaceChildren(failure(err));
      submit.disabled = false;
      submit.textContent = `Place order · ${cartSummary(cart.lines())}`;
    }
  });
  replace(
    main,
    h("h1", {}, "Checkout"),
    h(
      "div",
      { class: "checkout" },
      form,
      h(
        "aside",
        { class: "order-summary", "aria-label": "Order summary" },
        h("h2", {}, "Your order"),
        h("ul", {}, ...lines.map((l) => h("li", {}, h("span", {}, `${l.quantity} × ${l.name}`), h("span", {}, formatMoney({ amount: l.price.amount * l.quantity, currency: l.price.currency }))))),
        h("p", { class: "grand" }, `Total ${cartSummary(lines)}`),
        link("/cart", "Edit cart"),
      ),
    ),
  );
}
