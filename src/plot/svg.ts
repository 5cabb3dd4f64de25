/**
 * Scene → SVG text. Scatter points are grouped by colour into one path each (zero-length
 * segments with round caps), which keeps a 100k-cell map to a few bytes per cell and renders
 * faster than one `<circle>` per cell.
 */
import type { Prim, Scene } from './scene.js';

const FONT = "DejaVu Sans Mono, Menlo, Consolas, 'Liberation Mono', monospace";

/** Escapes text for XML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

const n = (v: number): string => String(Math.round(v * 100) / 100);

/** Renders `scene` as a standalone SVG document (UTF-8 text). */
export function sceneToSvg(scene: Scene): string {
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${n(scene.width)}" height="${n(scene.height)}" viewBox="0 0 ${n(scene.width)} ${n(scene.height)}" font-family="${FONT}">`,
  );
  if (scene.title) out.push(`<title>${escapeXml(scene.title)}</title>`);
  out.push(`<rect width="100%" height="100%" fill="${scene.background ?? '#ffffff'}"/>`);
  for (const p of scene.prims) out.push(prim(p));
  out.push('</svg>');
  return out.join('\n');
}

function prim(p: Prim): string {
  switch (p.t) {
    case 'rect':
      return `<rect x="${n(p.x)}" y="${n(p.y)}" width="${n(p.w)}" height="${n(p.h)}" fill="${p.fill ?? 'none'}"${p.stroke ? ` stroke="${p.stroke}" stroke-width="${n(p.strokeWidth ?? 1)}"` : ''}${p.opacity !== undefined ? ` opacity="${n(p.opacity)}"` : ''}/>`;
    case 'line':
      return `<line x1="${n(p.x1)}" y1="${n(p.y1)}" x2="${n(p.x2)}" y2="${n(p.y2)}" stroke="${p.stroke}" stroke-width="${n(p.width ?? 1)}"${p.dash ? ` stroke-dasharray="${n(p.dash)}"` : ''}/>`;
    case 'path': {
      const pts: string[] = [];
      for (let i = 0; i + 1 < p.points.length; i += 2) pts.push(`${n(p.points[i])},${n(p.points[i + 1])}`);
      const tag = p.closed ? 'polygon' : 'polyline';
      return `<${tag} points="${pts.join(' ')}" fill="${p.fill ?? 'none'}" stroke="${p.stroke ?? 'none'}" stroke-width="${n(p.width ?? 1)}" stroke-linejoin="round"${p.opacity !== undefined ? ` opacity="${n(p.opacity)}"` : ''}/>`;
    }
    case 'circle':
      return `<circle cx="${n(p.cx)}" cy="${n(p.cy)}" r="${n(p.r)}" fill="${p.fill}"${p.stroke ? ` stroke="${p.stroke}" stroke-width="${n(p.strokeWidth ?? 1)}"` : ''}/>`;
    case 'points':
      return points(p);
    case 'text': {
      // Alphabetic baseline 0.35 em below the centre line: portable across SVG renderers,
      // unlike dominant-baseline.
      const anchor = p.anchor ?? 'start';
      const dy = p.size * 0.35;
      const tr = p.rotate === -90 ? ` transform="rotate(-90 ${n(p.x)} ${n(p.y)})"` : '';
      return `<text x="${n(p.x)}" y="${n(p.y + dy)}" font-size="${n(p.size)}" text-anchor="${anchor}" fill="${p.fill ?? '#222222'}"${p.bold ? ' font-weight="bold"' : ''}${tr}>${escapeXml(p.text)}</text>`;
    }
    case 'image':
      return image(p);
  }
}

function points(p: Extract<Prim, { t: 'points' }>): string {
  // One path per distinct colour, in first-appearance order; this loses the exact draw order
  // between colours, which matters little for dots a few pixels wide.
  const groups = new Map<number, string[]>();
  for (let i = 0; i < p.x.length; i++) {
    const key = (p.rgb[3 * i] << 16) | (p.rgb[3 * i + 1] << 8) | p.rgb[3 * i + 2];
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(`M${n(p.x[i])} ${n(p.y[i])}h0`);
  }
  const parts: string[] = [`<g fill="none" stroke-linecap="round" stroke-width="${n(2 * p.r)}"${p.opacity !== undefined ? ` opacity="${n(p.opacity)}"` : ''}>`];
  for (const [key, segs] of groups) parts.push(`<path stroke="#${key.toString(16).padStart(6, '0')}" d="${segs.join('')}"/>`);
  parts.push('</g>');
  return parts.join('\n');
}

function image(p: Extract<Prim, { t: 'image' }>): string {
  // Cells as rects: exact, scalable, and no PNG encoder needed inside SVG output.
  const cw = p.w / p.cols;
  const ch = p.h / p.rows;
  const parts: string[] = ['<g shape-rendering="crispEdges">'];
  for (let r = 0; r < p.rows; r++) {
    for (let c = 0; c < p.cols; c++) {
      const o = 4 * (r * p.cols + c);
      if (p.rgba[o + 3] === 0) continue;
      const hex = '#' + [p.rgba[o], p.rgba[o + 1], p.rgba[o + 2]].map((v) => v.toString(16).padStart(2, '0')).join('');
      parts.push(`<rect x="${n(p.x + c * cw)}" y="${n(p.y + r * ch)}" width="${n(cw + 0.05)}" height="${n(ch + 0.05)}" fill="${hex}"/>`);
    }
  }
  parts.push('</g>');
  return parts.join('');
}
