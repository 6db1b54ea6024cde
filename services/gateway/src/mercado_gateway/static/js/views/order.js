// The order page follows an order (polling) until it is final; the list of orders
// placed from this browser.

import { api } from "../api.js";
import { formatMoney, h, notice, replace } from "../dom.js";
import * as cart from "../cart.js";
import { link } from "./shared.js";

const FINAL = new Set(["CONFIRMED", "CANCELLED"]);
// Decline codes that add nothing to "your card was declined".
const GENERIC_DECLINES = new Set(["card_declined", "declined", "generic_decline", "do_not_honor"]);
const STEPS = [
  ["Placed", ["PENDING"]],
  ["Items reserved", ["RESERVED"]],
  ["Paid", ["PAYMENT_PENDING", "PAID"]],
  ["Confirmed", ["CONFIRMED"]],
];
const HEADINGS = {
  CONFIRMED: "Thank you! Your order is confirmed.",
  CANCELLED: "Your order was cancelled.",
};
const LABELS = {
  PENDING: "Order received",
  RESERVED: "Items reserved",
  PAYMENT_PENDING: "Processing payment",
  PAID: "Paid",
  CONFIRMED: "Confirmed",
  CANCELLED: "Cancelled",
};

function steps(status) {
  const current = STEPS.findIndex(([, states]) => states.includes(status));
  return h(
    "ol",
    { class: "steps", "aria-label": "Progress" },
    ...STEPS.map(([label], i) =>
      h("li", { class: i < current || status === "CONFIRMED" ? "done" : "", "aria-current": i === current && status !== "CONFIRMED" ? "step" : null }, label),
    ),
  );
}

function cancellation(order) {
  const noCharge = "You have not been charged.";
  if (order.cancel_reason === "payment_declined") {
    const decline = order.payment && order.payment.decline_code;
    const code = decline && !GENERIC_DECLINES.has(decline) ? ` (${decline.replaceAll("_", " ")})` : "";
    return notice(
      "error",
      `Your card was declined${code}.`,
      `${noCharge} Your cart is kept: you can try again with another card.`,
      cart.count() ? link("/checkout", "Try another card", { class: "button" }) : link("/", "Back to the shop", { class: "button" }),
    );
  }
  if (order.cancel_reason === "out_of_stock") {
    return notice(
      "error",
      "Sorry, some items sold out before we could reserve them.",
      `${noCharge} Please review your cart.`,
      link("/cart", "Review your cart", { class: "button" }),
    );
  }
  const reason = order.cancel_reason ? ` (${order.cancel_reason.replaceAll("_", " ")})` : "";
  return notice("error", `This order was cancelled${reason}.`, null);
}

function details(order) {
  const card = order.payment && order.payment.card_last4 ? `•••• ${order.payment.card_last4}` : "—";
  return [
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Order"), h("dd", { id: "order-id" }, order.id),
      h("dt", {}, "E-mail"), h("dd", {}, order.customer.email),
      h("dt", {}, "Card"), h("dd", {}, card),
      h("dt", {}, "Total"), h("dd", { id: "order-total" }, formatMoney(order.total)),
    ),
    h("h2", {}, "Items"),
    h(
      "ul",
      { class: "lines" },
      ...order.lines.map((l) =>
        h("li", { class: "line" }, h("span", {}, `${l.quantity} ×`), h("span", { class: "name" }, l.name), h("span", { class: "total" }, formatMoney(l.line_total))),
      ),
    ),
  ];
}

function draw(main, order, warning) {
  const final = FINAL.has(order.status);
  replace(
    main,
    h("h1", {}, HEADINGS[order.status] || "We are processing your order…"),
    h(
      "p",
      {},
      "Status: ",
      h("span", { class: "status-badge", id: "order-status", dataset: { status: order.status } }, order.status),
      " ",
      h("span", { class: "visually-hidden", role: "status" }, LABELS[order.status] || order.status),
    ),
    final ? null : h("p", { class: "hint" }, h("span", { class: "spinner", "aria-hidden": "true" }), " This page updates by itself."),
    order.status === "CANCELLED" ? cancellation(order) : steps(order.status),
    order.status === "CONFIRMED" ? notice("success", "Your order is confirmed.", `A confirmation is on its way to ${order.customer.email}.`) : null,
    warning,
    ...details(order),
    link("/", "Continue shopping", { class: "button secondary" }),
  );
}

const sleep = (ms, signal) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => { clearTimeout(timer); resolve(); }, { once: true });
  });

export async function renderOrder({ main, id, signal }) {
  document.title = "Your order · Mercado";
  replace(main, h("h1", {}, "Your order"), h("p", {}, "Loading your order…"));
  let last = null;
  let delay = 500;
  while (!signal.aborted) {
    try {
      const order = await api(`/orders/${encodeURIComponent(id)}`, { signal, headers: { "Order-Token": cart.orderToken(id) } });
      if (!last || order.status !== last.status || main.querySelector(".notice.warn.polling")) draw(main, order, null);
      last = order;
      if (FINAL.has(order.status)) {
        if (order.status === "CONFIRMED") cart.settleOrder(order.id);
        return;
      }
    } catch (err) {
      if (err.name === "AbortError") return;
      if (err.status === 404 || err.status === 401) {
        replace(main, h("h1", {}, "Your order"), notice("warn", "We could not find this order.", "Check the link, or see your orders.", link("/orders", "Your orders")));
        return;
      }
      const warning = notice("warn polling", "We cannot reach the order service right now.", "We will keep checking: this page updates by itself.");
      if (last) draw(main, last, warning);
      else replace(main, h("h1", {}, "Your order"), warning);
    }
    await sleep(delay, signal);
    delay = Math.min(2000, delay * 1.5);
  }
}

export async function renderOrders({ main, signal }) {
  document.title = "Your orders · Mercado";
  const orders = cart.placedOrders();
  if (!orders.length) {
    replace(main, h("h1", {}, "Your orders"), notice("", "You have not placed an order from this browser yet.", null, link("/", "Browse products", { class: "button" })));
    return;
  }
  const status = new Map(orders.map((o) => [o.id, h("span", { class: "status-badge" }, "…")]));
  replace(
    main,
    h("h1", {}, "Your orders"),
    h("ul", { class: "lines" }, ...orders.map((o) =>
      h("li", { class: "line" }, h("span", {}, new Date(o.placed_at).toLocaleDateString()),
        link(`/orders/${o.id}`, `Order ${o.id.slice(0, 8)}`, { class: "name" }),
        h("span", { class: "total" }, o.total ? formatMoney(o.total) : "", " ", status.get(o.id))))),
  );
  await Promise.all(orders.map(async (o) => {
    try {
      const order = await api(`/orders/${encodeURIComponent(o.id)}`, { signal, headers: { "Order-Token": o.access_token || "" } });
      const badge = status.get(o.id);
      badge.textContent = order.status;
      badge.dataset.status = order.status;
    } catch {
      status.get(o.id).textContent = "status unavailable";
    }
  }));
}
