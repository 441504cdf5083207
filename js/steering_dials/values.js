// SteeringDials' values, without the DOM. A 1-D variable is a slider; a 2-D variable is a
// circular dial: the handle's angle is the vector's direction (0° = +x, 90° = +y,
// counter-clockwise, y up as in the rollout plot) and its distance from the centre the
// vector's length, capped at max_radius. A dial whose value is null is OFF (no edit).

/**
 * One control, as Python describes it.
 * @typedef {object} Dial
 * @property {string} id
 * @property {string} label
 * @property {"slider" | "circular"} kind
 * @property {number} min
 * @property {number} max
 * @property {number} step
 * @property {number | number[] | null} [readout] the unedited value: a number, or [x, y]
 * @property {string} [unit]
 * @property {number} [max_radius] circular dials only
 */

/** @typedef {{angle: number, radius: number}} Polar angle in degrees [0, 360) */
/** @typedef {null | number | Polar} Value null = off */
/** @typedef {Record<string, Value>} Values */

/** Arrow keys turn a circular dial by this many degrees (three times that with Shift). */
export const KEY_DEGREES = 5;

/**
 * An angle in degrees, wrapped into [0, 360).
 * @param {number} deg
 * @returns {number}
 */
export function wrapAngle(deg) {
  const a = deg % 360;
  return a < 0 ? a + 360 : a === 0 ? 0 : a; // no -0
}

/**
 * Snap to a multiple of `step` (no-op for step <= 0), with float noise removed.
 * @param {number} v
 * @param {number} step
 * @returns {number}
 */
export function snap(v, step) {
  if (!(step > 0)) return v;
  const k = Math.round(v / step);
  const decimals = Math.min(12, Math.max(0, Math.ceil(-Math.log10(step)) + 1));
  return Number((k * step).toFixed(decimals));
}

/**
 * The circular dial's value under the pointer.
 * @param {number} dx px right of the dial's centre
 * @param {number} dy px below the dial's centre (screen y grows downwards)
 * @param {number} ringPx px from the centre to the ring (the ring is max_radius)
 * @param {number} maxRadius
 * @param {number} [step] radius step (0: a thousandth of maxRadius, far below a pixel, so
 *   that pressing the handle where it is gives back the same value)
 * @returns {Polar} angle in whole degrees [0, 360), 0 = right, 90 = up; radius in
 *   [0, maxRadius]
 */
export function polarAt(dx, dy, ringPx, maxRadius, step = 0) {
  const angle = wrapAngle(Math.round((Math.atan2(-dy, dx) * 180) / Math.PI));
  const frac = ringPx > 0 ? Math.min(1, Math.hypot(dx, dy) / ringPx) : 0;
  const q = step > 0 ? step : maxRadius / 1000;
  const radius = Math.min(maxRadius, Math.max(0, snap(frac * maxRadius, q)));
  return { angle: angle === 360 ? 0 : angle, radius };
}

/**
 * Where the handle of a polar value sits, in px from the dial's centre (y down).
 * @param {Polar} value
 * @param {number} ringPx
 * @param {number} maxRadius
 * @returns {[number, number]}
 */
export function handleAt(value, ringPx, maxRadius) {
  const frac = maxRadius > 0 ? Math.min(1, Math.max(0, value.radius / maxRadius)) : 0;
  const a = (value.angle * Math.PI) / 180;
  return [frac * ringPx * Math.cos(a), -frac * ringPx * Math.sin(a)];
}

/**
 * A vector [x, y] as {angle, radius} (the readout of a 2-D variable).
 * @param {ArrayLike<number>} v
 * @returns {Polar | null} null if not a finite 2-vector
 */
export function vectorToPolar(v) {
  if (!v || v.length !== 2) return null;
  const x = Number(v[0]);
  const y = Number(v[1]);
  if (!Number.isFinite(x) || !Number.isFinite(y)) return null;
  return { angle: wrapAngle((Math.atan2(y, x) * 180) / Math.PI), radius: Math.hypot(x, y) };
}

/**
 * A polar value as a vector [x, y].
 * @param {Polar} p
 * @returns {[number, number]}
 */
export function polarToVector(p) {
  const a = (p.angle * Math.PI) / 180;
  return [p.radius * Math.cos(a), p.radius * Math.sin(a)];
}

/**
 * Whether a value is a usable polar value.
 * @param {any} v
 * @returns {v is Polar}
 */
export function isPolar(v) {
  return !!v && typeof v === "object" && Number.isFinite(Number(v.angle)) && Number.isFinite(Number(v.radius));
}

/**
 * A number for a label: as many decimals as `step` has (at most 6), else 3 significant
 * digits; "–" for a missing or non-finite value.
 * @param {any} v
 * @param {number} [step]
 * @returns {string}
 */
export function formatNumber(v, step = 0) {
  if (v === null || v === undefined || v === "" || !Number.isFinite(Number(v))) return "–";
  const x = Number(v);
  if (step > 0 && step < 1e6) {
    const decimals = Math.min(6, Math.max(0, Math.ceil(-Math.log10(step) - 1e-9)));
    const s = x.toFixed(decimals);
    return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
  }
  if (x === 0) return "0";
  const a = Math.abs(x);
  const s = a >= 1e-3 && a < 1e5 ? String(Number(x.toPrecision(3))) : x.toExponential(2);
  return s;
}

/**
 * An angle for a label: whole degrees in [0, 360), e.g. "37°".
 * @param {number} deg
 * @returns {string}
 */
export function formatAngle(deg) {
  if (!Number.isFinite(deg)) return "–";
  const d = Math.round(wrapAngle(deg));
  return `${d === 360 ? 0 : d}°`;
}

/**
 * The text shown next to a dial for a value (or "off").
 * @param {Dial} dial
 * @param {Value | undefined} v
 * @returns {string}
 */
export function valueText(dial, v) {
  const unit = dial.unit ? ` ${dial.unit}` : "";
  if (v === null || v === undefined) return "off";
  if (dial.kind === "circular") {
    if (!isPolar(v)) return "off";
    return `${formatAngle(v.angle)} · r ${formatNumber(v.radius, dial.step)}${unit}`;
  }
  return `${formatNumber(v, dial.step)}${unit}`;
}

/**
 * The text for a dial's unedited value ("" if there is none).
 * @param {Dial} dial
 * @returns {string}
 */
export function readoutText(dial) {
  const r = dial.readout;
  if (r === null || r === undefined) return "";
  const unit = dial.unit ? ` ${dial.unit}` : "";
  if (dial.kind === "circular") {
    const p = Array.isArray(r) ? vectorToPolar(r) : null;
    return p ? `unedited ${formatAngle(p.angle)} · r ${formatNumber(p.radius, dial.step)}${unit}` : "";
  }
  return Number.isFinite(Number(r)) ? `unedited ${formatNumber(r, dial.step)}${unit}` : "";
}

/**
 * The value a dial starts from when it is turned on without a pointer (a key press):
 * its unedited value, else the middle of its range.
 * @param {Dial} dial
 * @returns {number | Polar}
 */
export function startValue(dial) {
  if (dial.kind === "circular") {
    const p = Array.isArray(dial.readout) ? vectorToPolar(dial.readout) : null;
    const maxR = Number(dial.max_radius) || 1;
    if (p) return { angle: Math.round(p.angle), radius: Math.min(maxR, snap(p.radius, dial.step)) };
    return { angle: 0, radius: maxR / 2 };
  }
  const r = Number(dial.readout);
  if (dial.readout !== null && dial.readout !== undefined && Number.isFinite(r)) {
    return Math.min(dial.max, Math.max(dial.min, r));
  }
  return (dial.min + dial.max) / 2;
}

/**
 * A circular dial's value after a key press, `undefined` for a key it does not handle.
 * Left / Right turn it counter-clockwise / clockwise (like a steering wheel) by
 * KEY_DEGREES (×3 with Shift); Up / Down lengthen / shorten it by one step (max_radius/20
 * without a step); Delete, Backspace and Escape turn it off; Enter and Space turn it on.
 * @param {Dial} dial
 * @param {Value | undefined} value
 * @param {string} key KeyboardEvent.key
 * @param {boolean} [shift]
 * @returns {Value | undefined}
 */
export function keyedPolar(dial, value, key, shift = false) {
  if (key === "Delete" || key === "Backspace" || key === "Escape") return value == null ? undefined : null;
  const keys = ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Enter", " "];
  if (!keys.includes(key)) return undefined;
  const cur = isPolar(value) ? { angle: Number(value.angle), radius: Number(value.radius) } : /** @type {Polar} */ (startValue(dial));
  if (key === "Enter" || key === " ") return isPolar(value) ? undefined : cur;
  const maxR = Number(dial.max_radius) || 1;
  const dr = (dial.step > 0 ? dial.step : maxR / 20) * (shift ? 3 : 1);
  const da = KEY_DEGREES * (shift ? 3 : 1);
  if (key === "ArrowLeft") return { angle: wrapAngle(cur.angle + da), radius: cur.radius };
  if (key === "ArrowRight") return { angle: wrapAngle(cur.angle - da), radius: cur.radius };
  const r = key === "ArrowUp" ? cur.radius + dr : cur.radius - dr;
  return { angle: cur.angle, radius: Math.min(maxR, Math.max(0, snap(r, dial.step))) };
}

/**
 * A copy of `values` with one dial's value replaced.
 * @param {Values | null | undefined} values
 * @param {string} id
 * @param {Value} v
 * @returns {Values}
 */
export function withValue(values, id, v) {
  return { ...(values || {}), [id]: v };
}

/**
 * The scope's first step from a typed value: an integer in [0, n_steps - 1].
 * @param {any} value
 * @param {number} nSteps
 * @param {number} fallback
 * @returns {number}
 */
export function clampStep(value, nSteps, fallback) {
  let t = Math.trunc(Number(value));
  if (value === "" || value === null || !Number.isFinite(t)) t = fallback;
  return Math.max(0, nSteps > 0 ? Math.min(nSteps - 1, t) : t);
}

/**
 * Fill in what a dial entry from Python may leave out.
 * @param {any} d
 * @returns {Dial}
 */
export function normalizeDial(d) {
  const kind = d && d.kind === "circular" ? "circular" : "slider";
  const min = Number.isFinite(Number(d?.min)) ? Number(d.min) : 0;
  const max = Number.isFinite(Number(d?.max)) && Number(d.max) > min ? Number(d.max) : min + 1;
  const dial = {
    id: String(d?.id ?? ""),
    label: String(d?.label ?? d?.id ?? ""),
    kind: /** @type {"slider" | "circular"} */ (kind),
    min,
    max,
    step: Number(d?.step) > 0 ? Number(d.step) : 0,
    readout: d?.readout ?? null,
    unit: d?.unit ? String(d.unit) : "",
  };
  if (kind === "circular") {
    const r = Number(d?.max_radius);
    return { ...dial, max_radius: r > 0 ? r : Math.max(Math.abs(min), Math.abs(max)) || 1 };
  }
  return dial;
}

/**
 * A unit in words, for titles: "box/step" -> "box units per step".
 * @param {string} unit
 * @returns {string}
 */
export function unitWords(unit) {
  return unit
    .split("/")
    .map((u, i) => (i ? "per " : "") + (u === "box" ? "box units" : u))
    .join(" ");
}
