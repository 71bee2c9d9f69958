import type { BadgeStatus } from './flow-status';

/** shields.io's palette. */
export const badgeColors: Record<BadgeStatus | 'not found', string> = {
  passing: '#4c1',
  failing: '#e05d44',
  running: '#007ec6',
  cancelled: '#dfb317',
  'no runs': '#9f9f9f',
  'not found': '#9f9f9f',
};

/**
 * Widths of Verdana 11px glyphs (what shields.io measures with), rounded
 * to a tenth; others count as a wide lowercase letter.
 */
const glyphWidths: Record<string, number> = {
  ' ': 3.9,
  a: 6.7,
  b: 6.9,
  c: 5.8,
  d: 6.9,
  e: 6.6,
  f: 3.9,
  g: 6.9,
  h: 7,
  i: 3,
  j: 3.8,
  k: 6.5,
  l: 3,
  m: 10.7,
  n: 7,
  o: 6.7,
  p: 6.9,
  q: 6.9,
  r: 4.7,
  s: 5.7,
  t: 4.3,
  u: 7,
  v: 6.5,
  w: 9,
  x: 6.5,
  y: 6.5,
  z: 5.8,
  '-': 4.8,
};

function textWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += glyphWidths[ch] ?? 7;
  return Math.round(width);
}

function escapeXml(text: string): string {
  return text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
  );
}

/**
 * A flat two-part badge in the shields.io look: grey label, coloured
 * message, a soft gradient and text shadow. Accessible: role="img" with
 * the whole text as its title.
 */
export function renderBadge(label: string, message: string, color: string): string {
  const pad = 10;
  const labelWidth = textWidth(label) + pad;
  const messageWidth = textWidth(message) + pad;
  const width = labelWidth + messageWidth;
  const title = escapeXml(`${label}: ${message}`);
  const l = escapeXml(label);
  const m = escapeXml(message);
  // Text is drawn at 10x and scaled down, as shields.io does, for crisp kerning.
  const labelX = (labelWidth / 2) * 10;
  const messageX = (labelWidth + messageWidth / 2) * 10;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="20" role="img" aria-label="${title}">
<title>${title}</title>
<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>
<clipPath id="r"><rect width="${width}" height="20" rx="3" fill="#fff"/></clipPath>
<g clip-path="url(#r)"><rect width="${labelWidth}" height="20" fill="#555"/><rect x="${labelWidth}" width="${messageWidth}" height="20" fill="${color}"/><rect width="${width}" height="20" fill="url(#s)"/></g>
<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" text-rendering="geometricPrecision" font-size="110">
<text aria-hidden="true" x="${labelX}" y="150" fill="#010101" fill-opacity=".3" transform="scale(.1)" textLength="${(labelWidth - pad) * 10}">${l}</text>
<text x="${labelX}" y="140" transform="scale(.1)" textLength="${(labelWidth - pad) * 10}">${l}</text>
<text aria-hidden="true" x="${messageX}" y="150" fill="#010101" fill-opacity=".3" transform="scale(.1)" textLength="${(messageWidth - pad) * 10}">${m}</text>
<text x="${messageX}" y="140" transform="scale(.1)" textLength="${(messageWidth - pad) * 10}" data-status="${m}">${m}</text>
</g>
</svg>`;
}
