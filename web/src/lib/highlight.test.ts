import { describe, expect, it } from 'vitest';
import { sanitizeHighlight } from './highlight';

describe('search highlights', () => {
  it('keeps the <mark> around a hit', () => {
    expect(sanitizeHighlight('設備<mark>溫度</mark>上升')).toBe('設備<mark>溫度</mark>上升');
  });

  it('turns any other tag into visible text', () => {
    expect(sanitizeHighlight('<img src=x onerror=alert(1)><mark>hit</mark>')).toBe('&lt;img src=x onerror=alert(1)&gt;<mark>hit</mark>');
    expect(sanitizeHighlight('<script>alert(1)</script>')).not.toContain('<script');
  });

  it('does not let attributes ride on a mark', () => {
    const out = sanitizeHighlight('<mark onclick="alert(1)">x</mark>');
    expect(out).not.toMatch(/<mark\s/);
    expect(out).toContain('&lt;mark onclick=&quot;alert(1)&quot;&gt;');
  });

  it('keeps the server escaping and closes an unclosed mark', () => {
    expect(sanitizeHighlight('a &lt;b&gt; &amp; <mark>c')).toBe('a &lt;b&gt; &amp; <mark>c</mark>');
    expect(sanitizeHighlight('</mark>x')).toBe('x');
  });
});
