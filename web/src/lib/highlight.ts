/**
 * Search highlights arrive as HTML in which only <mark>…</mark> is markup and the rest is escaped.
 * Never trust that: keep exactly <mark> and </mark> (no attributes), balanced, and escape every
 * other '<', '>' and quote; an '&' stays only as the start of a plain character reference.
 */
export function sanitizeHighlight(html: string): string {
  let depth = 0;
  const out = html.split(/(<\/?mark>)/i).map((part) => {
    const lower = part.toLowerCase();
    if (lower === '<mark>') {
      if (depth > 0) return '';
      depth += 1;
      return '<mark>';
    }
    if (lower === '</mark>') {
      if (depth === 0) return '';
      depth -= 1;
      return '</mark>';
    }
    return part
      .replace(/&(?!(?:amp|lt|gt|quot|apos|#\d{1,7}|#x[0-9a-f]{1,6});)/gi, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&#39;');
  });
  return out.join('') + (depth > 0 ? '</mark>' : '');
}
