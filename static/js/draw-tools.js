// Drawing tools on the paused frame: pen, line, arrow, rectangle, ellipse and text, in the
// contract's colours and widths. Shapes are built in picture coordinates (0..1) on the
// overlay canvas and handed to the comment composer as {"shapes": [...]}.

export const COLORS = ['#ff3b30', '#ffcc00', '#34c759', '#0a84ff', '#ffffff', '#000000'];
export const WIDTHS = { thin: 0.003, medium: 0.006, thick: 0.012 };
export const TOOLS = ['pen', 'line', 'arrow', 'rect', 'ellipse', 'text'];
const MAX_POINTS = 2000;
const MAX_SHAPES = 500;
const round = (v) => Math.round(v * 10000) / 10000;
const pt = (p) => [round(p[0]), round(p[1])];

/** The shape a drag from `a` to `b` makes with `tool`. */
export function shapeFor(tool, color, width, a, b) {
  if (tool === 'line' || tool === 'arrow') return { tool, color, width, from: pt(a), to: pt(b) };
  const x = Math.min(a[0], b[0]);
  const y = Math.min(a[1], b[1]);
  // Rounding must not push x + w past 1, which the API refuses.
  const w = Math.max(0, Math.min(1 - round(x), round(Math.abs(b[0] - a[0]))));
  const h = Math.max(0, Math.min(1 - round(y), round(Math.abs(b[1] - a[1]))));
  return { tool, color, width, x: round(x), y: round(y), w, h };
}

export class Tools {
  /** `bar` is the toolbar element (buttons with data-tool, data-color, a width select). */
  constructor(overlay, bar) {
    this.overlay = overlay;
    this.bar = bar;
    this.tool = 'pen';
    this.color = COLORS[0];
    this.width = WIDTHS.medium;
    this.active = false;
    this.drag = null;
    this.build();
    const c = overlay.canvas;
    c.addEventListener('pointerdown', (e) => this.down(e));
    c.addEventListener('pointermove', (e) => this.move(e));
    c.addEventListener('pointerup', (e) => this.up(e));
    c.addEventListener('pointercancel', () => { this.drag = null; this.preview(null); });
  }

  build() {
    const b = this.bar;
    b.replaceChildren();
    const group = (label) => {
      const g = document.createElement('span');
      g.className = 'tool-group';
      g.setAttribute('role', 'group');
      g.setAttribute('aria-label', label);
      b.append(g);
      return g;
    };
    const tools = group('Tool');
    for (const t of TOOLS) {
      const btn = document.createElement('button');
      btn.type = 'button';
      btn.dataset.tool = t;
      btn.textContent = { pen: 'Pen', line: 'Line', arrow: 'Arrow', rect: 'Box', ellipse: 'Ellipse', text: 'Text' }[t];
      btn.setAttribute('aria-pressed', String(t === this.tool));
      btn.addEventListener('click', () => this.pick(t));
      tools.append(btn);
    }
    const colors = group('Colour');
    for (const c of COLORS) {
      const btn = document.createElement('button');
      btn.type = 'button';
      btn.className = 'swatch';
      btn.dataset.color = c;
      btn.style.background = c;
      btn.setAttribute('aria-label', `Colour ${c}`);
      btn.setAttribute('aria-pressed', String(c === this.color));
      btn.addEventListener('click', () => {
        this.color = c;
        colors.querySelectorAll('button').forEach((x) => x.setAttribute('aria-pressed', String(x === btn)));
      });
      colors.append(btn);
    }
    const sel = document.createElement('select');
    sel.dataset.width = '';
    sel.setAttribute('aria-label', 'Line width');
    for (const [name, w] of Object.entries(WIDTHS)) {
      const o = document.createElement('option');
      o.value = String(w);
      o.textContent = name[0].toUpperCase() + name.slice(1);
      o.selected = w === this.width;
      sel.append(o);
    }
    sel.addEventListener('change', () => { this.width = Number(sel.value); });
    const text = document.createElement('input');
    text.type = 'text';
    text.maxLength = 200;
    text.placeholder = 'Text to place';
    text.dataset.drawText = '';
    text.setAttribute('aria-label', 'Text to place with the Text tool');
    this.textInput = text;
    const undo = document.createElement('button');
    undo.type = 'button';
    undo.textContent = 'Undo';
    undo.dataset.undo = '';
    undo.addEventListener('click', () => { this.overlay.draft.pop(); this.overlay.paint(); });
    const clear = document.createElement('button');
    clear.type = 'button';
    clear.textContent = 'Clear';
    clear.addEventListener('click', () => this.reset());
    group('Options').append(sel, text, undo, clear);
  }

  pick(t) {
    this.tool = t;
    this.bar.querySelectorAll('[data-tool]').forEach((x) => x.setAttribute('aria-pressed', String(x.dataset.tool === t)));
  }

  /** Drawing on (the canvas takes the pointer) or off (clicks reach the video again). */
  enable(on) {
    this.active = on;
    this.overlay.canvas.classList.toggle('active', on);
    this.bar.hidden = !on;
    if (on) this.overlay.show(null);
  }

  reset() {
    this.overlay.draft = [];
    this.drag = null;
    this.overlay.paint();
  }

  /** The drawing made so far, or null when there is none. */
  drawing() {
    const shapes = this.overlay.draft.slice(0, MAX_SHAPES);
    return shapes.length ? { shapes } : null;
  }

  preview(shape) {
    const d = this.overlay.draft;
    if (this.previewing) d.pop();
    this.previewing = !!shape;
    if (shape) d.push(shape);
    this.overlay.paint();
  }

  down(e) {
    if (!this.active) return;
    e.preventDefault();
    const p = this.overlay.toPicture(e);
    if (this.tool === 'text') {
      const text = this.textInput.value.trim() || 'Note';
      this.overlay.draft.push({ tool: 'text', color: this.color, size: 0.04, at: pt(p), text: text.slice(0, 200) });
      this.overlay.paint();
      return;
    }
    this.overlay.canvas.setPointerCapture(e.pointerId);
    this.drag = { from: p, points: [pt(p)] };
    this.previewing = false;
  }

  move(e) {
    if (!this.drag) return;
    const p = this.overlay.toPicture(e);
    if (this.tool === 'pen') {
      if (this.drag.points.length < MAX_POINTS) this.drag.points.push(pt(p));
      this.preview({ tool: 'pen', color: this.color, width: this.width, points: this.drag.points.slice() });
    } else {
      this.preview(shapeFor(this.tool, this.color, this.width, this.drag.from, p));
    }
  }

  up(e) {
    if (!this.drag) return;
    this.move(e);
    // The last preview stays: it is the finished shape.
    this.previewing = false;
    this.drag = null;
    this.overlay.paint();
  }
}
