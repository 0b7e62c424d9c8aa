"""Maps of an area: the Lachin corridor around Berdzor / Lachin, as HTML, PNG and a status table.

Only the roads that meet the box are drawn (their statuses, and the trip's answer, are the
whole network's). On a network of thousands of segments this is how a map stays readable.

Run:  python examples/area_map.py  (writes lachin_area.html, lachin_area.png, lachin_area.csv)
"""

from __future__ import annotations

import karabakh_routes as kr
from karabakh_routes.maps import save_static_map, static_map

m = kr.load()
box = kr.bbox_around(m, "Berdzor", 10)  # 10 km each way; any of the place's names works
print("area (west, south, east, north):", tuple(round(x, 4) for x in box))

trip = ("Goris", "Stepanakert")
m.map(on="2023-07-20", traffic="humanitarian", path=trip, bbox=box, offline=True).save("lachin_area.html")
save_static_map(static_map(m, on="2023-07-20", traffic="humanitarian", path=trip, bbox=box), "lachin_area.png")

table = m.status(on="2023-07-20", traffic="humanitarian", bbox=box)
table[["name", "status", "disputed"]].to_csv("lachin_area.csv")
for segment, row in table.iterrows():
    print(f"{segment:<36} {row['status']}")
print(f"wrote lachin_area.html, lachin_area.png, lachin_area.csv ({len(table)} of {len(m.timeline.segments)} segments)")
