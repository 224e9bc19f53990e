// HTML escaping for the few places that must build markup as a string (ECharts tooltip
// formatters, Leaflet divIcon labels): registry names and units are user data.
const MAP = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function esc(s) {
  return String(s ?? "").replace(/[&<>"']/g, (c) => MAP[c]);
}
