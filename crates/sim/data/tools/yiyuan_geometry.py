#!/usr/bin/env python3
"""Generates the APPROXIMATE boundaries used by the simulated Yiyuan county (沂源县).

Writes ../yiyuan/regions.geojson (county, its 12 towns and streets, a few communities and
villages) and ../yiyuan/grids.geojson (2-4 governance grids per town, with owning departments).

These are NOT survey boundaries. The county outline is a hand-drawn polygon of about 1,700 km²
(the real county: 1,636 km²) spanning lon 117.87-118.47, lat 35.95-36.35; each town is the Voronoi cell of a hand-placed site clipped to
that outline, so the towns tile the county without overlap and sit in roughly the right relative
positions (南鲁山 north-west, 鲁村 west, 悦庄 north, 石桥 north-east, 张家坡 east, 东里 south-east,
燕崖 south, the county seat in 南麻/历山). A deployment replaces both files with the boundaries
of the county's natural-resources bureau (县自然资源局).

Standard library only; run from anywhere:  python3 crates/sim/data/tools/yiyuan_geometry.py
The output is deterministic (no randomness), so re-running it yields identical files.
"""

import json
import math
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "yiyuan")

# Voronoi cells are computed in a local equirectangular plane so that they look right on a map.
LAT0 = 36.15
KX = math.cos(math.radians(LAT0))

COUNTY = ("370323", "沂源县", "Yiyuan County")

# Clockwise from the west; the county is a mountain county with an irregular outline.
COUNTY_OUTLINE = [
    (117.871, 36.160), (117.885, 36.220), (117.917, 36.270), (117.963, 36.316),
    (118.014, 36.339), (118.060, 36.326), (118.101, 36.289), (118.147, 36.316),
    (118.202, 36.349), (118.253, 36.335), (118.290, 36.312), (118.331, 36.298),
    (118.372, 36.266), (118.418, 36.247), (118.464, 36.211), (118.469, 36.165),
    (118.437, 36.128), (118.455, 36.077), (118.437, 36.031), (118.405, 35.999),
    (118.363, 36.004), (118.317, 35.978), (118.271, 35.948), (118.227, 35.956),
    (118.184, 35.981), (118.129, 35.987), (118.080, 35.974), (118.037, 35.987),
    (118.000, 36.013), (117.968, 36.050), (117.935, 36.086), (117.894, 36.119),
]

# (code, name, English name, Voronoi site (lon, lat), number of grids).
# Codes: streets 001-002 and towns 101-110 follow the statistical division codes as best known
# (the order of the towns' codes is the order the county lists them); verify before production.
TOWNS = [
    ("370323001", "南麻街道", "Nanma Subdistrict", (118.129, 36.160), 4),
    ("370323002", "历山街道", "Lishan Subdistrict", (118.234, 36.220), 4),
    ("370323101", "悦庄镇", "Yuezhuang Town", (118.175, 36.316), 3),
    ("370323102", "东里镇", "Dongli Town", (118.409, 36.040), 3),
    ("370323103", "西里镇", "Xili Town", (118.317, 36.114), 3),
    ("370323104", "大张庄镇", "Dazhangzhuang Town", (118.018, 36.027), 3),
    ("370323105", "中庄镇", "Zhongzhuang Town", (118.142, 36.017), 2),
    ("370323106", "张家坡镇", "Zhangjiapo Town", (118.428, 36.197), 3),
    ("370323107", "燕崖镇", "Yanya Town", (118.253, 35.981), 3),
    ("370323108", "石桥镇", "Shiqiao Town", (118.336, 36.289), 2),
    ("370323109", "鲁村镇", "Lucun Town", (117.954, 36.160), 3),
    ("370323110", "南鲁山镇", "Nanlushan Town", (118.000, 36.303), 3),
]

# Communities (社区, 001-199) and villages (村, 200-399) in the county seat. Names are
# illustrative; each is an axis-aligned block (south-west corner, width, height in degrees).
COMMUNITIES = [
    ("370323001001", "城里社区", "Chengli Community", (118.150, 36.170), 0.012, 0.010),
    ("370323001002", "振兴社区", "Zhenxing Community", (118.162, 36.170), 0.012, 0.010),
    ("370323001003", "螳螂河社区", "Tanglanghe Community", (118.150, 36.160), 0.012, 0.010),
    ("370323001004", "新城社区", "Xincheng Community", (118.162, 36.160), 0.012, 0.010),
    ("370323001201", "西关村", "Xiguan Village", (118.130, 36.150), 0.014, 0.010),
    ("370323002001", "历山社区", "Lishan Community", (118.192, 36.192), 0.012, 0.010),
    ("370323002002", "城东社区", "Chengdong Community", (118.204, 36.192), 0.012, 0.010),
    ("370323002003", "城北社区", "Chengbei Community", (118.192, 36.202), 0.012, 0.010),
    ("370323002004", "儒林社区", "Rulin Community", (118.204, 36.202), 0.012, 0.010),
    ("370323002201", "东儒林村", "Dongrulin Village", (118.222, 36.217), 0.014, 0.010),
]

FUSED_URBAN = ["political-legal", "police", "urban-mgmt", "eco-env", "market", "emergency"]
FUSED_TOWN = ["political-legal", "eco-env", "market", "emergency"]
RURAL = ["political-legal", "agriculture", "natural-resources"]
NUMERALS = ["一", "二", "三", "四"]


def grid_departments(town_code, i):
    """Owning departments of grid i (0-based) of a town: multi-grid fusion in the seat."""
    if town_code in ("370323001", "370323002"):
        depts = list(FUSED_URBAN)
        if i < 2:
            depts.append("traffic-police")
        return depts
    return list(FUSED_TOWN) if i == 0 else list(RURAL)


def xy(p):
    return (p[0] * KX, p[1])


def ll(p):
    return (p[0] / KX, p[1])


def clip(poly, a, b, c):
    """Sutherland-Hodgman: the part of poly (open ring, plane coords) where a*x + b*y <= c."""
    out = []
    n = len(poly)
    for i in range(n):
        p, q = poly[i], poly[(i + 1) % n]
        fp = a * p[0] + b * p[1] - c
        fq = a * q[0] + b * q[1] - c
        if fp <= 0:
            out.append(p)
        if (fp < 0 < fq) or (fq < 0 < fp):
            t = fp / (fp - fq)
            out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
    return out


def voronoi_cell(site, others, poly):
    """The part of poly closer to site than to any of others (all in plane coords)."""
    cell = list(poly)
    for o in others:
        a, b = 2 * (o[0] - site[0]), 2 * (o[1] - site[1])
        c = (o[0] ** 2 + o[1] ** 2) - (site[0] ** 2 + site[1] ** 2)
        cell = clip(cell, a, b, c)
    return cell


def signed_area(ring):
    s = 0.0
    for i in range(len(ring)):
        x1, y1 = ring[i]
        x2, y2 = ring[(i + 1) % len(ring)]
        s += x1 * y2 - x2 * y1
    return s / 2


def to_geojson_ring(plane_ring):
    """Rounds to 1e-5 degrees (about 1 m), drops repeats, closes, orients counter-clockwise."""
    pts = []
    for p in plane_ring:
        lon, lat = ll(p)
        q = [round(lon, 5), round(lat, 5)]
        if not pts or pts[-1] != q:
            pts.append(q)
    while len(pts) > 1 and pts[0] == pts[-1]:
        pts.pop()
    if signed_area(pts) < 0:
        pts.reverse()
    pts.append(list(pts[0]))
    return pts


def polygon(ring):
    return {"type": "Polygon", "coordinates": [ring]}


def inside(pt, ring):
    x, y = pt
    res = False
    n = len(ring)
    for i in range(n):
        x1, y1 = ring[i]
        x2, y2 = ring[(i + 1) % n]
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            res = not res
    return res


def area_km2(ring_ll):
    return abs(signed_area([(p[0] * KX * 111.32, p[1] * 110.57) for p in ring_ll]))


def centroid(ring):
    a = signed_area(ring)
    cx = cy = 0.0
    for i in range(len(ring)):
        x1, y1 = ring[i]
        x2, y2 = ring[(i + 1) % len(ring)]
        f = x1 * y2 - x2 * y1
        cx += (x1 + x2) * f
        cy += (y1 + y2) * f
    return (cx / (6 * a), cy / (6 * a))


def grid_sites(cell, n):
    """n sites around the cell's centroid, spread along its longer axis (plane coords)."""
    cx, cy = centroid(cell)
    xs = [p[0] for p in cell]
    ys = [p[1] for p in cell]
    w, h = max(xs) - min(xs), max(ys) - min(ys)
    d = 0.22 * max(w, h)
    if n == 2:
        offs = [(-d, 0), (d, 0)] if w >= h else [(0, d), (0, -d)]
    elif n == 3:
        offs = [(d * math.cos(t), d * math.sin(t)) for t in (math.pi / 2, 7 * math.pi / 6, 11 * math.pi / 6)]
    else:
        offs = [(-d, d), (d, d), (-d, -d), (d, -d)]
    return [(cx + ox, cy + oy) for ox, oy in offs]


def write(path, note, features):
    """A FeatureCollection with one feature per line: compact, yet readable in a diff."""
    with open(path, "w", encoding="utf-8") as f:
        f.write('{"type": "FeatureCollection",\n "note": %s,\n "features": [\n' % json.dumps(note))
        f.write(",\n".join("  " + json.dumps(x, ensure_ascii=False, separators=(",", ":")) for x in features))
        f.write("\n ]\n}\n")


def main():
    outline = [xy(p) for p in reversed(COUNTY_OUTLINE)]  # counter-clockwise
    sites = [xy(t[3]) for t in TOWNS]

    features = []
    county_ring = to_geojson_ring(outline)
    features.append({
        "type": "Feature",
        "properties": {"code": COUNTY[0], "name": COUNTY[1], "name_en": COUNTY[2]},
        "geometry": polygon(county_ring),
    })

    town_cells = {}
    total = 0.0
    for i, (code, name, name_en, site, _n) in enumerate(TOWNS):
        others = [s for j, s in enumerate(sites) if j != i]
        cell = voronoi_cell(sites[i], others, outline)
        assert len(cell) >= 3, f"{name} has an empty cell"
        ring = to_geojson_ring(cell)
        assert inside(site, [tuple(p) for p in ring[:-1]]), f"{name}: site outside its cell"
        town_cells[code] = cell
        total += area_km2(ring[:-1])
        features.append({
            "type": "Feature",
            "properties": {"code": code, "name": name, "name_en": name_en, "parent": COUNTY[0]},
            "geometry": polygon(ring),
        })

    for code, name, name_en, (x0, y0), w, h in COMMUNITIES:
        ring = [[x0, y0], [round(x0 + w, 5), y0], [round(x0 + w, 5), round(y0 + h, 5)],
                [x0, round(y0 + h, 5)], [x0, y0]]
        town_ring = [ll(p) for p in town_cells[code[:9]]]
        for p in ring:
            assert inside(p, town_ring), f"{name}: corner {p} outside its town"
        features.append({
            "type": "Feature",
            "properties": {"code": code, "name": name, "name_en": name_en, "parent": code[:9]},
            "geometry": polygon(ring),
        })

    grids = []
    for code, name, _en, _site, n in TOWNS:
        cell = town_cells[code]
        gs = grid_sites(cell, n)
        for i in range(n):
            others = [s for j, s in enumerate(gs) if j != i]
            g = voronoi_cell(gs[i], others, cell)
            assert len(g) >= 3, f"{name} grid {i + 1} is empty"
            grids.append({
                "type": "Feature",
                "properties": {
                    "id": f"{code}-g{i + 1:02d}",
                    "name": f"{name}第{NUMERALS[i]}网格",
                    "region": code,
                    "departments": grid_departments(code, i),
                },
                "geometry": polygon(to_geojson_ring(g)),
            })

    note = ("APPROXIMATE boundaries for simulation and demonstration, not survey data: generated by "
            "crates/sim/data/tools/yiyuan_geometry.py (Voronoi cells of hand-placed sites clipped to a "
            "hand-drawn county outline). Town and street codes follow the statistical division codes "
            "as best known (streets 001-002, towns 101-110); community and village names and codes are "
            "illustrative. Replace with the official boundaries and codes before production use.")
    write(os.path.join(OUT, "regions.geojson"), note, features)
    write(os.path.join(OUT, "grids.geojson"), note, grids)
    print(f"county outline {area_km2(county_ring[:-1]):.0f} km², towns sum {total:.0f} km², "
          f"{len(features)} regions, {len(grids)} grids")


if __name__ == "__main__":
    main()
