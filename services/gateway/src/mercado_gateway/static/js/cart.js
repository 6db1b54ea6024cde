// The cart lives in this browser only (localStorage); orders the shopper placed here too.

const CART_KEY = "mercado.cart";
const ORDERS_KEY = "mercado.orders";
const MAX_QUANTITY = 99;

function read(key, fallback) {
  try {
    const value = JSON.parse(localStorage.getItem(key));
    return value ?? fallback;
  } catch {
    return fallback;
  }
}

function write(key, value) {
  localStorage.setItem(key, JSON.stringify(value));
  window.dispatchEvent(new CustomEvent("cart-changed"));
}

export function lines() {
  const value = read(CART_KEY, []);
  return Array.isArray(value) ? value.filter((l) => l && l.product_id && l.quantity > 0) : [];
}

export function count() {
  return lines().reduce((sum, line) => sum + line.quantity, 0);
}

function clamp(quantity) {
  return Math.max(0, Math.min(MAX_QUANTITY, Math.floor(Number(quantity) || 0)));
}

export function add(product, quantity = 1) {
  const all = lines();
  const found = all.find((l) => l.product_id === product.id);
  if (found) {
    found.quantity = clamp(found.quantity + quantity);
  } else {
    all.push({
      product_id: product.id,
      sku: product.sku,
      name: product.name,
      category: product.category.slug,
      price: product.price,
      quantity: clamp(quantity),
    });
  }
  write(CART_KEY, all);
}

export function setQuantity(productId, quantity) {
  const all = lines()
    .map((l) => (l.product_id === productId ? { ...l, quantity: clamp(quantity) } : l))
    .filter((l) => l.quantity > 0);
  write(CART_KEY, all);
}

export function remove(productId) {
  write(CART_KEY, lines().filter((l) => l.product_id !== productId));
}

// Refreshes the name and price of a line from the catalog's current product.
export function refresh(product) {
  const all = lines().map((l) => (l.product_id === product.id ? { ...l, name: product.name, price: product.price } : l));
  write(CART_KEY, all);
}

export function clear() {
  write(CART_KEY, []);
}

// Totals per currency (the demo shop has one; a mixed cart shows each).
export function totals(items = lines()) {
  const sums = new Map();
  for (const line of items) {
    const { currency, amount } = line.price;
    sums.set(currency, (sums.get(currency) || 0) + amount * line.quantity);
  }
  return [...sums].map(([currency, amount]) => ({ currency, amount }));
}

export function placedOrders() {
  const value = read(ORDERS_KEY, []);
  return Array.isArray(value) ? value : [];
}

export function rememberOrder(order, fromCart) {
  const others = placedOrders().filter((o) => o.id !== order.id);
  const entry = { id: order.id, access_token: order.access_token, placed_at: new Date().toISOString(), total: order.total, from_cart: fromCart };
  localStorage.setItem(ORDERS_KEY, JSON.stringify([entry, ...others].slice(0, 20)));
}

// The order's access token (returned once, when it was placed from this browser).
export function orderToken(orderId) {
  const entry = placedOrders().find((o) => o.id === orderId);
  return (entry && entry.access_token) || "";
}

// Once an order placed from the cart is confirmed, the cart has been bought: empty it.
export function settleOrder(orderId) {
  const orders = placedOrders();
  const entry = orders.find((o) => o.id === orderId);
  if (entry && entry.from_cart) {
    entry.from_cart = false;
    localStorage.setItem(ORDERS_KEY, JSON.stringify(orders));
    clear();
  }
}
