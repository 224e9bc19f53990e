// A small map of one geometry (a point, line or area) with the outline of its region (and the
// county) for orientation. Without a tile layer a lone dot says little, so a point is framed
// together with its region.
import { useEffect, useRef } from "preact/hooks";
import { boundsOf, createMap, geoLayer, L } from "../map/base.js";

const COLOR = "#d84315";

export function MiniMap({ ui, geometry, region, label }) {
  const ref = useRef(null);
  useEffect(() => {
    if (!geometry) return undefined;
    const { map, proj } = createMap(ref.current, ui, { zoomControl: true });
    if (ui?.county?.geometry) {
      geoLayer(ui.county.geometry, proj, {
        interactive: false,
        style: { color: "#1d5fbf", weight: 1.5, opacity: 0.7, fill: true, fillOpacity: 0.03, dashArray: "5 4" },
      }).addTo(map);
    }
    if (region) {
      geoLayer(region, proj, {
        interactive: false,
        style: { color: "#5f6d7e", weight: 1.5, opacity: 0.9, fill: true, fillColor: "#90a4ae", fillOpacity: 0.12 },
      }).addTo(map);
    }
    geoLayer(geometry, proj, {
      interactive: false,
      // GeoJSON applies `style` to every layer, point markers too: leave those as made.
      style: (f) => (f?.geometry?.type === "Point" || f?.geometry?.type === "MultiPoint" ? {} : { color: COLOR, weight: 3, fillOpacity: 0.2 }),
      pointToLayer: (_f, latlng) =>
        L.circleMarker(latlng, { radius: 8, color: "#fff", weight: 2, fillColor: COLOR, fillOpacity: 1 }),
    }).addTo(map);
    const b = boundsOf(geometry, proj);
    const rb = region ? boundsOf(region, proj) : null;
    if (b) {
      const isPoint = b.getNorthEast().equals(b.getSouthWest());
      if (isPoint && rb && rb.contains(b)) map.fitBounds(rb, { padding: [16, 16], maxZoom: 15 });
      else if (isPoint) map.setView(b.getCenter(), 14);
      else map.fitBounds(b, { padding: [24, 24], maxZoom: 17 });
    }
    // The container may get its final size after layout (tabs, grid): tell Leaflet.
    const ro = new ResizeObserver(() => map.invalidateSize());
    ro.observe(ref.current);
    return () => {
      ro.disconnect();
      map.remove();
    };
  }, [geometry, region, ui]);
  if (!geometry) return null;
  return <div class="mini-map" ref={ref} role="region" aria-label={label} />;
}
