// WGS84 ↔ GCJ-02 for the map: zhicheng stores WGS84 (CGCS2000); a GCJ-02 tile source (AMap,
// Tencent) needs every coordinate shifted on the way in, and picked points shifted back.
// A port of crates/geo/src/datum.rs (same constants, same iteration); the e2e suite checks
// both give the same figures.
const A = 6378245.0;
const EE = 0.00669342162296594323;
const PI = Math.PI;

export function inChina(lon, lat) {
  return lon >= 72.004 && lon <= 137.8347 && lat >= 0.8293 && lat <= 55.8271;
}

function transformLat(x, y) {
  let r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  r += ((20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0) / 3.0;
  r += ((20.0 * Math.sin(y * PI) + 40.0 * Math.sin((y / 3.0) * PI)) * 2.0) / 3.0;
  r += ((160.0 * Math.sin((y / 12.0) * PI) + 320.0 * Math.sin((y * PI) / 30.0)) * 2.0) / 3.0;
  return r;
}

function transformLon(x, y) {
  let r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  r += ((20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0) / 3.0;
  r += ((20.0 * Math.sin(x * PI) + 40.0 * Math.sin((x / 3.0) * PI)) * 2.0) / 3.0;
  r += ((150.0 * Math.sin((x / 12.0) * PI) + 300.0 * Math.sin((x / 30.0) * PI)) * 2.0) / 3.0;
  return r;
}

/** WGS84 → GCJ-02; [lon, lat] in, [lon, lat] out; unchanged outside China's rectangle. */
export function wgs84ToGcj02(lon, lat) {
  if (!inChina(lon, lat)) return [lon, lat];
  const dlat0 = transformLat(lon - 105.0, lat - 35.0);
  const dlon0 = transformLon(lon - 105.0, lat - 35.0);
  const radlat = (lat / 180.0) * PI;
  const magic = 1 - EE * Math.sin(radlat) ** 2;
  const sq = Math.sqrt(magic);
  const dlon = (dlon0 * 180.0) / ((A / sq) * Math.cos(radlat) * PI);
  const dlat = (dlat0 * 180.0) / (((A * (1 - EE)) / (magic * sq)) * PI);
  return [lon + dlon, lat + dlat];
}

/** GCJ-02 → WGS84 by fixed-point iteration to 1e-9°. */
export function gcj02ToWgs84(lon, lat) {
  if (!inChina(lon, lat)) return [lon, lat];
  let w = [lon, lat];
  for (let i = 0; i < 30; i++) {
    const f = wgs84ToGcj02(w[0], w[1]);
    const ex = f[0] - lon;
    const ey = f[1] - lat;
    w = [w[0] - ex, w[1] - ey];
    if (Math.abs(ex) < 1e-9 && Math.abs(ey) < 1e-9) break;
  }
  return w;
}

/**
 * The pair of functions for a tile source's datum: `toMap([lon, lat])` gives Leaflet's
 * [lat, lng] on that map, `fromMap(latlng)` gives stored WGS84 [lon, lat].
 */
export function projector(datum) {
  if (datum === "gcj02") {
    return {
      toMap: (lon, lat) => {
        const [x, y] = wgs84ToGcj02(lon, lat);
        return [y, x];
      },
      fromMap: (ll) => gcj02ToWgs84(ll.lng, ll.lat),
    };
  }
  return { toMap: (lon, lat) => [lat, lon], fromMap: (ll) => [ll.lng, ll.lat] };
}
