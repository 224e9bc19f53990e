// The base map every page uses: Leaflet on a canvas renderer, the county's own vector layers,
// and — only when the deployment configures one — an XYZ tile source (Tianditu, an intranet
// tile server, or a GCJ-02 source such as AMap, whose datum the projector handles).
import L from "leaflet";
import "leaflet/dist/leaflet.css";
import { projector } from "./datum.js";

/**
 * Creates a map in `el`. `ui` is GET /api/v1/ui/config. Returns {map, proj, renderer}.
 * Options: {dark: bool, zoomControl: bool, attributionControl: bool}.
 */
export function createMap(el, ui, opts = {}) {
  const tiles = ui?.map?.tiles || null;
  const proj = projector(tiles?.datum || "wgs84");
  const renderer = L.canvas({ padding: 0.3 });
  const map = L.map(el, {
    preferCanvas: true,
    renderer,
    zoomControl: opts.zoomControl !== false,
    attributionControl: opts.attributionControl !== false,
    minZoom: 6,
    maxZoom: tiles?.max_zoom || 18,
    zoomSnap: 0.25,
    worldCopyJump: false,
  });
  if (tiles?.url) {
    L.tileLayer(tiles.url, {
      subdomains: tiles.subdomains || "abc",
      attribution: tiles.attribution || "",
      maxZoom: tiles.max_zoom || 18,
      crossOrigin: false,
    }).addTo(map);
  }
  // Plain text prefix: no flag icon, no link out of an intranet page.
  if (map.attributionControl) map.attributionControl.setPrefix("Leaflet");
  el.classList.toggle("map-dark", !!opts.dark);
  return { map, proj, renderer };
}

/** A GeoJSON object (Feature, FeatureCollection or geometry) drawn through the projector. */
export function geoLayer(geojson, proj, options = {}) {
  return L.geoJSON(geojson, {
    ...options,
    coordsToLatLng: (c) => L.latLng(proj.toMap(c[0], c[1])),
  });
}

/** [[south, west], [north, east]] of a GeoJSON geometry, in map coordinates; null when empty. */
export function boundsOf(geometry, proj) {
  if (!geometry) return null;
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  const walk = (c) => {
    if (typeof c[0] === "number") {
      const [lat, lng] = proj.toMap(c[0], c[1]);
      if (lng < minX) minX = lng;
      if (lng > maxX) maxX = lng;
      if (lat < minY) minY = lat;
      if (lat > maxY) maxY = lat;
    } else c.forEach(walk);
  };
  walk(geometry.coordinates || []);
  return minX === Infinity ? null : L.latLngBounds([minY, minX], [maxY, maxX]);
}

export { L };
