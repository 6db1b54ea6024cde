// Small DOM helpers: elements are built with textContent, never from HTML strings
// holding data, so product names and messages cannot inject markup.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === "class") {
      el.className = value;
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (value === true) {
      el.setAttribute(key, "");
    } else {
      el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

const digitsCache = new Map();

function fractionDigits(currency) {
  if (!digitsCache.has(currency)) {
    const options = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions();
    digitsCache.set(currency, options.maximumFractionDigits);
  }
  return digitsCache.get(currency);
}

// Money is integer minor units + ISO currency; shown in the browser's locale.
export function formatMoney(money) {
  const digits = fractionDigits(money.currency);
  const value = money.amount / 10 ** digits;
  return new Intl.NumberFormat(undefined, { style: "currency", currency: money.currency }).format(value);
}

export function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

let toastTimer = null;

// A short message read out by screen readers (the toast is an aria-live region).
export function toast(message) {
  const el = document.getElementById("toast");
  el.textContent = message;
  el.classList.add("show");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.classList.remove("show"), 3500);
}

// A message box; kind is "error", "warn", "success" or "" (role alert for errors).
export function notice(kind, title, text, ...actions) {
  return h(
    "div",
    { class: `notice ${kind}`, role: kind === "error" ? "alert" : "status" },
    h("p", {}, h("strong", {}, title)),
    text ? h("p", {}, text) : null,
    actions.length ? h("div", { class: "actions" }, ...actions) : null,
  );
}
