// Drawings over the picture: a canvas laid exactly over the part of the <video> element (or an
// image's <img>) that shows the picture (letterboxing and object-fit accounted for, from
// videoWidth/videoHeight or naturalWidth/naturalHeight),
// kept there on resize and in full screen (the full-screen element is the player box, which
// holds both). Shapes are in 0..1 of the picture, so they land on the same spot at any size.

/** The picture's rect inside the video (or img) element, in CSS px from its top left. */
export function pictureRect(video) {
  const bw = video.clientWidth;
  const bh = video.clientHeight;
  const vw = video.videoWidth || video.naturalWidth || bw;
  const vh = video.videoHeight || video.naturalHeight || bh;
  if (!bw || !bh || !vw || !vh) return { x: 0, y: 0, w: bw, h: bh };
  const fit = getComputedStyle(video).objectFit || 'contain';
  let w = bw;
  let h = bh;
  if (fit === 'contain' || fit === 'scale-down' || fit === 'cover') {
    const s = fit === 'cover' ? Math.max(bw / vw, bh / vh) : Math.min(bw / vw, bh / vh);
    const k = fit === 'scale-down' ? Math.min(1, s) : s;
    w = vw * k;
    h = vh * k;
  } else if (fit === 'none') {
    w = vw;
    h = vh;
  }
  // object-position defaults to the centre; mm never sets another.
  return { x: (bw - w) / 2, y: (bh - h) / 2, w, h };
}

function line(ctx, from, to) {
  ctx.beginPath();
  ctx.moveTo(from[0], from[1]);
  ctx.lineTo(to[0], to[1]);
  ctx.stroke();
}

/** Paints shapes (picture coordinates) on a context whose picture is `w` × `h` px. */
export function paintShapes(ctx, shapes, w, h) {
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  const P = (p) => [p[0] * w, p[1] * h];
  for (const s of shapes || []) {
    ctx.strokeStyle = s.color;
    ctx.fillStyle = s.color;
    ctx.lineWidth = Math.max(1, (s.width || 0.004) * w);
    switch (s.tool) {
      case 'pen': {
        const pts = (s.points || []).map(P);
        if (!pts.length) break;
        ctx.beginPath();
        ctx.moveTo(pts[0][0], pts[0][1]);
        for (const p of pts.slice(1)) ctx.lineTo(p[0], p[1]);
        if (pts.length === 1) ctx.lineTo(pts[0][0] + 0.01, pts[0][1]);
        ctx.stroke();
        break;
      }
      case 'line':
      case 'arrow': {
        const a = P(s.from);
        const b = P(s.to);
        line(ctx, a, b);
        if (s.tool === 'arrow') {
          const ang = Math.atan2(b[1] - a[1], b[0] - a[0]);
          const head = Math.max(8, ctx.lineWidth * 4);
          for (const d of [-0.45, 0.45]) {
            line(ctx, b, [b[0] - head * Math.cos(ang + d), b[1] - head * Math.sin(ang + d)]);
          }
        }
        break;
      }
      case 'rect':
        ctx.strokeRect(s.x * w, s.y * h, s.w * w, s.h * h);
        break;
      case 'ellipse':
        ctx.beginPath();
        ctx.ellipse((s.x + s.w / 2) * w, (s.y + s.h / 2) * h, (s.w / 2) * w, (s.h / 2) * h, 0, 0, Math.PI * 2);
        ctx.stroke();
        break;
      case 'text': {
        const px = Math.max(8, (s.size || 0.03) * h);
        ctx.font = `600 ${px}px system-ui, sans-serif`;
        ctx.textBaseline = 'top';
        const [x, y] = P(s.at);
        ctx.fillText(s.text || '', x, y);
        break;
      }
      default:
        break;
    }
  }
}

/** The canvas over one video's (or one still image's) picture. */
export class Overlay {
  constructor(video) {
    this.video = video;
    this.box = video.parentElement;
    this.shapes = [];
    this.draft = [];
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'drawing';
    this.canvas.dataset.drawing = '';
    this.canvas.setAttribute('aria-hidden', 'true');
    this.box.append(this.canvas);
    const again = () => this.layout();
    new ResizeObserver(again).observe(video);
    video.addEventListener('loadedmetadata', again);
    // An <img> knows its natural size only once loaded.
    video.addEventListener('load', again);
    video.addEventListener('resize', again);
    document.addEventListener('fullscreenchange', again);
    window.addEventListener('resize', again);
    this.layout();
  }

  /** Puts the canvas on the picture rect and repaints at the device's pixel density. */
  layout() {
    const r = pictureRect(this.video);
    const c = this.canvas;
    // Offsets from the box: the video may not sit at the box's origin.
    c.style.left = `${this.video.offsetLeft + r.x}px`;
    c.style.top = `${this.video.offsetTop + r.y}px`;
    c.style.width = `${r.w}px`;
    c.style.height = `${r.h}px`;
    const dpr = window.devicePixelRatio || 1;
    c.width = Math.max(1, Math.round(r.w * dpr));
    c.height = Math.max(1, Math.round(r.h * dpr));
    this.paint();
  }

  /** Shows a stored drawing (or nothing with null). */
  show(drawing) {
    this.shapes = (drawing && drawing.shapes) || [];
    this.paint();
  }

  paint() {
    const c = this.canvas;
    const ctx = c.getContext('2d');
    ctx.clearRect(0, 0, c.width, c.height);
    paintShapes(ctx, this.shapes.concat(this.draft), c.width, c.height);
    c.dataset.shapes = String(this.shapes.length + this.draft.length);
  }

  /** A pointer position as picture coordinates, clamped to 0..1. */
  toPicture(ev) {
    const r = this.canvas.getBoundingClientRect();
    const clamp = (v) => Math.min(1, Math.max(0, v));
    return [clamp((ev.clientX - r.left) / r.width), clamp((ev.clientY - r.top) / r.height)];
  }
}
