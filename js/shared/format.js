// Numbers as the views print them.

/**
 * A value with 4 significant digits ("0.1235", "1235", "1.235e+5", "NaN", "-inf", "–" if
 * missing).
 * @param {any} v
 * @returns {string}
 */
export function formatValue(v) {
  if (v === null || v === undefined || v === "") return "–";
  const x = Number(v);
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (x === 0) return "0";
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e5 ? x.toPrecision(4) : x.toExponential(3);
}
