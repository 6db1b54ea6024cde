// Product pictures: the demo catalog has none, so each category gets a drawn placeholder
// (an SVG made here: no request, no external asset). A real image_url is used when set.

import { h } from "./dom.js";

const SVG_NS = "http://www.w3.org/2000/svg";

// Icon shapes on a 120x90 canvas, drawn in the category's ink colour.
const ICONS = {
  books:
    '<path d="M38 24h18c4 0 6 2 6 6v38c0-3-2-5-6-5H38z"/><path d="M82 24H64c-4 0-6 2-6 6v38c0-3 2-5 6-5h18z"/>',
  kitchen:
    '<path d="M36 36h40v16c0 11-9 20-20 20s-20-9-20-20z"/><path d="M76 42h6a7 7 0 0 1 0 14h-7"/><path d="M46 22c-3 4 3 6 0 10M56 22c-3 4 3 6 0 10M66 22c-3 4 3 6 0 10"/>',
  outdoor:
    '<path d="M22 70l24-36 12 17 8-10 20 29z"/><circle cx="84" cy="26" r="6"/>',
  electronics:
    '<rect x="30" y="24" width="60" height="38" rx="4"/><path d="M50 72h20M60 62v10"/><path d="M62 30l-8 14h10l-8 12"/>',
  home:
    '<path d="M28 46l32-24 32 24"/><path d="M36 40v32h48V40"/><path d="M54 72V56h12v16"/>',
  toys:
    '<rect x="30" y="44" width="24" height="24" rx="3"/><rect x="58" y="44" width="24" height="24" rx="3"/><rect x="44" y="20" width="24" height="24" rx="3"/><circle cx="42" cy="56" r="3"/><circle cx="70" cy="56" r="3"/><circle cx="56" cy="32" r="3"/>',
  default:
    '<path d="M30 36l30-14 30 14v32L60 82 30 68z"/><path d="M30 36l30 14 30-14M60 50v32"/>',
};

const PALETTES = {
  books: ["#fdf0d5", "#9c4a1a"],
  kitchen: ["#e3f2ef", "#0f5c4d"],
  outdoor: ["#e4f1dc", "#35652a"],
  electronics: ["#e3e9f8", "#2b4a9c"],
  home: ["#f6e6ec", "#8a2f55"],
  toys: ["#fff3c4", "#8a6100"],
};

function palette(slug) {
  if (PALETTES[slug]) return PALETTES[slug];
  let hash = 0;
  for (const ch of slug || "") hash = (hash * 31 + ch.charCodeAt(0)) % 360;
  return [`hsl(${hash} 60% 92%)`, `hsl(${hash} 55% 30%)`];
}

export function placeholder(categorySlug) {
  const [background, ink] = palette(categorySlug);
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 120 90");
  svg.setAttribute("class", "placeholder");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.dataset.category = categorySlug || "";
  const icon = ICONS[categorySlug] || ICONS.default;
  svg.innerHTML =
    `<rect width="120" height="90" fill="${background}"/>` +
    `<g fill="none" stroke="${ink}" stroke-width="3.5" stroke-linecap="round" stroke-linejoin="round">${icon}</g>`;
  return svg;
}

// The product's picture: its image when it has one (falling back to the placeholder if
// that fails to load), else the placeholder. Decorative: the name is next to it.
export function picture(product) {
  const slug = product.category && product.category.slug ? product.category.slug : product.category;
  if (!product.image_url) return placeholder(slug);
  const img = h("img", { class: "product-photo", src: product.image_url, alt: "", loading: "lazy" });
  img.addEventListener("error", () => img.replaceWith(placeholder(slug)), { once: true });
  return img;
}
