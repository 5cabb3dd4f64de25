/**
 * The lasso outline on a map's overlay canvas, shared by the viewer (`web/src/pointer.ts`) and the
 * app (`app/src/main.ts`).
 */

/**
 * Clears `overlay` (resized to its CSS box at the device pixel ratio) and draws the closed
 * polygon `pts` (screen x, y pairs in CSS pixels), lightly filled; nothing for under 2 points.
 */
export function drawLassoPath(overlay: HTMLCanvasElement, pts: ArrayLike<number>): void {
  const dpr = window.devicePixelRatio || 1;
  overlay.width = Math.round(overlay.clientWidth * dpr);
  overlay.height = Math.round(overlay.clientHeight * dpr);
  const g = overlay.getContext('2d');
  if (!g) return;
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, overlay.clientWidth, overlay.clientHeight);
  if (pts.length < 4) return;
  g.beginPath();
  g.moveTo(pts[0], pts[1]);
  for (let q = 2; q < pts.length; q += 2) g.lineTo(pts[q], pts[q + 1]);
  g.closePath();
  g.fillStyle = 'rgba(31,119,180,0.12)';
  g.fill();
  g.strokeStyle = '#1f77b4';
  g.lineWidth = 1.5;
  g.stroke();
}
