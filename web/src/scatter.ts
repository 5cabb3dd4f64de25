/**
 * WebGL point renderer for the tissue map. Positions and colours live in GPU buffers; panning
 * and zooming only change two uniforms, so a frame is one draw call whatever the cell count.
 * Colour changes rewrite one RGBA byte buffer (4 bytes per cell).
 */

/** The current view: data coordinates at the canvas centre and CSS pixels per data unit. */
export interface View {
  cx: number;
  cy: number;
  zoom: number;
}

const VS = `
attribute vec2 a_pos;
attribute vec4 a_color;
uniform vec2 u_scale;
uniform vec2 u_offset;
uniform float u_size;
varying vec4 v_color;
void main() {
  gl_Position = vec4(a_pos * u_scale + u_offset, 0.0, 1.0);
  gl_PointSize = u_size;
  v_color = a_color;
}`;

const FS_ROUND = `
precision mediump float;
varying vec4 v_color;
void main() {
  vec2 c = gl_PointCoord - 0.5;
  if (dot(c, c) > 0.25) discard;
  gl_FragColor = v_color;
}`;

// Dots of a few pixels look the same square or round; without \`discard\` the rasteriser
// (software ones especially) runs much faster, which keeps panning fluid at 100k+ cells.
const FS_SQUARE = `
precision mediump float;
varying vec4 v_color;
void main() {
  gl_FragColor = v_color;
}`;

/** Below this dot diameter (device pixels) squares are drawn instead of discs. */
const ROUND_FROM_PX = 5;

// Panning reuses an off-screen image of the points (rendered with a margin around the
// viewport) and only shifts it: a frame is then one textured quad, whatever the cell count.
const QUAD_VS = `
attribute vec2 a_xy;
uniform vec2 u_shift;
uniform vec2 u_span;
varying vec2 v_uv;
void main() {
  v_uv = (a_xy * 0.5 + 0.5 - u_shift) * u_span + (1.0 - u_span) * 0.5;
  gl_Position = vec4(a_xy, 0.0, 1.0);
}`;

const QUAD_FS = `
precision mediump float;
uniform sampler2D u_tex;
uniform vec3 u_bg;
varying vec2 v_uv;
void main() {
  if (v_uv.x < 0.0 || v_uv.y < 0.0 || v_uv.x > 1.0 || v_uv.y > 1.0) { gl_FragColor = vec4(u_bg, 1.0); return; }
  gl_FragColor = texture2D(u_tex, v_uv);
}`;

interface Program {
  prog: WebGLProgram;
  aPos: number;
  aCol: number;
  uScale: WebGLUniformLocation;
  uOffset: WebGLUniformLocation;
  uSize: WebGLUniformLocation;
}

function compile(gl: WebGLRenderingContext, type: number, src: string): WebGLShader {
  const s = gl.createShader(type) as WebGLShader;
  gl.shaderSource(s, src);
  gl.compileShader(s);
  if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(`shader: ${gl.getShaderInfoLog(s)}`);
  return s;
}

export class ScatterGL {
  readonly canvas: HTMLCanvasElement;
  readonly gl: WebGLRenderingContext;
  private readonly round: Program;
  private readonly square: Program;
  private readonly posBuf: WebGLBuffer;
  private readonly colorBuf: WebGLBuffer;
  private readonly quad: { prog: WebGLProgram; buf: WebGLBuffer; aXy: number; uShift: WebGLUniformLocation; uSpan: WebGLUniformLocation; uBg: WebGLUniformLocation; uTex: WebGLUniformLocation };
  private fbo: WebGLFramebuffer | null = null;
  private tex: WebGLTexture | null = null;
  /** The view and sizes the off-screen image was rendered for; undefined = stale. */
  private cache: { view: View; w: number; h: number; tw: number; th: number } | undefined;
  /** Whether the last frame came from the off-screen image (for diagnostics). */
  lastFrameCached = false;
  readonly n: number;
  /** Radius of a cell in data units (from the density), used for the dot size. */
  readonly cellRadius: number;
  view: View = { cx: 0, cy: 0, zoom: 1 };
  background: [number, number, number] = [1, 1, 1];

  constructor(canvas: HTMLCanvasElement, coords: Float32Array, cellRadius: number) {
    this.canvas = canvas;
    const gl = canvas.getContext('webgl', { antialias: false, preserveDrawingBuffer: false, alpha: false, depth: false, stencil: false });
    if (!gl) throw new Error('WebGL is not available in this browser');
    this.gl = gl;
    this.n = coords.length / 2;
    this.cellRadius = cellRadius;
    this.round = this.program(FS_ROUND);
    this.square = this.program(FS_SQUARE);
    this.posBuf = gl.createBuffer() as WebGLBuffer;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.posBuf);
    gl.bufferData(gl.ARRAY_BUFFER, coords, gl.STATIC_DRAW);
    this.colorBuf = gl.createBuffer() as WebGLBuffer;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.colorBuf);
    gl.bufferData(gl.ARRAY_BUFFER, new Uint8Array(4 * this.n), gl.DYNAMIC_DRAW);
    const qp = gl.createProgram() as WebGLProgram;
    gl.attachShader(qp, compile(gl, gl.VERTEX_SHADER, QUAD_VS));
    gl.attachShader(qp, compile(gl, gl.FRAGMENT_SHADER, QUAD_FS));
    gl.linkProgram(qp);
    if (!gl.getProgramParameter(qp, gl.LINK_STATUS)) throw new Error(`program: ${gl.getProgramInfoLog(qp)}`);
    const qb = gl.createBuffer() as WebGLBuffer;
    gl.bindBuffer(gl.ARRAY_BUFFER, qb);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([-1, -1, 1, -1, -1, 1, 1, 1]), gl.STATIC_DRAW);
    this.quad = {
      prog: qp,
      buf: qb,
      aXy: gl.getAttribLocation(qp, 'a_xy'),
      uShift: gl.getUniformLocation(qp, 'u_shift') as WebGLUniformLocation,
      uSpan: gl.getUniformLocation(qp, 'u_span') as WebGLUniformLocation,
      uBg: gl.getUniformLocation(qp, 'u_bg') as WebGLUniformLocation,
      uTex: gl.getUniformLocation(qp, 'u_tex') as WebGLUniformLocation,
    };
  }

  /** Forgets the off-screen image (after colours or size change). */
  invalidate(): void {
    this.cache = undefined;
  }

  private program(fs: string): Program {
    const gl = this.gl;
    const prog = gl.createProgram() as WebGLProgram;
    gl.attachShader(prog, compile(gl, gl.VERTEX_SHADER, VS));
    gl.attachShader(prog, compile(gl, gl.FRAGMENT_SHADER, fs));
    gl.linkProgram(prog);
    if (!gl.getProgramParameter(prog, gl.LINK_STATUS)) throw new Error(`program: ${gl.getProgramInfoLog(prog)}`);
    return {
      prog,
      aPos: gl.getAttribLocation(prog, 'a_pos'),
      aCol: gl.getAttribLocation(prog, 'a_color'),
      uScale: gl.getUniformLocation(prog, 'u_scale') as WebGLUniformLocation,
      uOffset: gl.getUniformLocation(prog, 'u_offset') as WebGLUniformLocation,
      uSize: gl.getUniformLocation(prog, 'u_size') as WebGLUniformLocation,
    };
  }

  /** Replaces the per-cell colours (RGBA bytes, 4 per cell). */
  setColors(rgba: Uint8Array): void {
    const gl = this.gl;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.colorBuf);
    gl.bufferSubData(gl.ARRAY_BUFFER, 0, rgba);
    this.invalidate();
  }

  /** Matches the drawing buffer to the element size times the device pixel ratio. */
  resize(): void {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(this.canvas.clientWidth * dpr));
    const h = Math.max(1, Math.round(this.canvas.clientHeight * dpr));
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
    }
  }

  /** Dot diameter in CSS pixels at the current zoom: the cell's footprint, at least 1.5 px. */
  dotSize(): number {
    return Math.min(40, Math.max(1.5, 2 * this.cellRadius * this.view.zoom));
  }

  /**
   * Draws a frame. While only the centre moved (a pan) within the margin of the off-screen
   * image, the image is shifted; otherwise the points are rendered again into a new image
   * (viewport plus half a viewport on every side) first. `direct` renders straight to the
   * screen (used when the image would exceed the texture size limit).
   */
  draw(): void {
    const gl = this.gl;
    const W = this.canvas.clientWidth;
    const H = this.canvas.clientHeight;
    const cw = this.canvas.width;
    const ch = this.canvas.height;
    const maxTex = gl.getParameter(gl.MAX_TEXTURE_SIZE) as number;
    const tw = Math.min(maxTex, cw * 2);
    const th = Math.min(maxTex, ch * 2);
    if (tw < cw * 2 || th < ch * 2) {
      this.lastFrameCached = false;
      gl.bindFramebuffer(gl.FRAMEBUFFER, null);
      gl.viewport(0, 0, cw, ch);
      this.renderPoints(W, H, this.view);
      return;
    }
    const c = this.cache;
    const shiftX = c ? ((c.view.cx - this.view.cx) * this.view.zoom) / W : 0;
    const shiftY = c ? ((c.view.cy - this.view.cy) * this.view.zoom) / H : 0;
    const reuse = c && c.view.zoom === this.view.zoom && c.w === cw && c.h === ch && Math.abs(shiftX) <= 0.5 && Math.abs(shiftY) <= 0.5;
    this.lastFrameCached = Boolean(reuse);
    if (!reuse) {
      if (!this.tex || !c || c.tw !== tw || c.th !== th) this.allocate(tw, th);
      gl.bindFramebuffer(gl.FRAMEBUFFER, this.fbo);
      gl.viewport(0, 0, tw, th);
      // The image spans twice the viewport in each direction around the same centre.
      this.renderPoints(2 * W, 2 * H, this.view);
      this.cache = { view: { ...this.view }, w: cw, h: ch, tw, th };
    }
    const cache = this.cache as NonNullable<typeof this.cache>;
    const sx = ((cache.view.cx - this.view.cx) * this.view.zoom) / W;
    const sy = ((cache.view.cy - this.view.cy) * this.view.zoom) / H;
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    gl.viewport(0, 0, cw, ch);
    const q = this.quad;
    gl.useProgram(q.prog);
    gl.bindBuffer(gl.ARRAY_BUFFER, q.buf);
    gl.enableVertexAttribArray(q.aXy);
    gl.vertexAttribPointer(q.aXy, 2, gl.FLOAT, false, 0, 0);
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, this.tex);
    gl.uniform1i(q.uTex, 0);
    // Texture v runs bottom to top like clip space; a data shift down is a negative v shift.
    gl.uniform2f(q.uShift, sx, -sy);
    gl.uniform2f(q.uSpan, 0.5, 0.5);
    gl.uniform3f(q.uBg, this.background[0], this.background[1], this.background[2]);
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
  }

  private allocate(tw: number, th: number): void {
    const gl = this.gl;
    if (this.tex) gl.deleteTexture(this.tex);
    if (this.fbo) gl.deleteFramebuffer(this.fbo);
    this.tex = gl.createTexture();
    gl.bindTexture(gl.TEXTURE_2D, this.tex);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, tw, th, 0, gl.RGBA, gl.UNSIGNED_BYTE, null);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    this.fbo = gl.createFramebuffer();
    gl.bindFramebuffer(gl.FRAMEBUFFER, this.fbo);
    gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, this.tex, 0);
  }

  /** Draws all points into the bound target, which spans `W` x `H` CSS pixels around the view centre. */
  private renderPoints(W: number, H: number, view: View): void {
    const gl = this.gl;
    const dpr = window.devicePixelRatio || 1;
    gl.clearColor(this.background[0], this.background[1], this.background[2], 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
    const { cx, cy, zoom } = view;
    // screen = (p - c) * zoom + size / 2, then to clip space with y pointing down.
    const size = this.dotSize() * dpr;
    const pr = size >= ROUND_FROM_PX ? this.round : this.square;
    gl.useProgram(pr.prog);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.posBuf);
    gl.enableVertexAttribArray(pr.aPos);
    gl.vertexAttribPointer(pr.aPos, 2, gl.FLOAT, false, 0, 0);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.colorBuf);
    gl.enableVertexAttribArray(pr.aCol);
    gl.vertexAttribPointer(pr.aCol, 4, gl.UNSIGNED_BYTE, true, 0, 0);
    gl.uniform2f(pr.uScale, (2 * zoom) / W, (-2 * zoom) / H);
    gl.uniform2f(pr.uOffset, (-2 * zoom * cx) / W, (2 * zoom * cy) / H);
    gl.uniform1f(pr.uSize, size);
    gl.drawArrays(gl.POINTS, 0, this.n);
    gl.disableVertexAttribArray(pr.aCol);
  }

  /** CSS pixel (relative to the canvas) → data coordinates. */
  toData(sx: number, sy: number): [number, number] {
    const { cx, cy, zoom } = this.view;
    return [cx + (sx - this.canvas.clientWidth / 2) / zoom, cy + (sy - this.canvas.clientHeight / 2) / zoom];
  }

  /** Data coordinates → CSS pixel relative to the canvas. */
  toScreen(x: number, y: number): [number, number] {
    const { cx, cy, zoom } = this.view;
    return [(x - cx) * zoom + this.canvas.clientWidth / 2, (y - cy) * zoom + this.canvas.clientHeight / 2];
  }
}
