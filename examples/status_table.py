"""Export every segment's status on a few dates as GeoJSON and a CSV summary.

Run:  python examples/status_table.py  (writes status_2023-07-20.geojson and status_summary.csv)
"""

from __future__ import annotations

import pandas as pd

import karabakh_routes as kr

m = kr.load()
rows = []
for on in ["2022-09-15", "2023-01-10", "2023-07-20", "2023-09-25"]:
    gdf = m.status(on=on)
    for seg, row in gdf.iterrows():
        rows.append({"date": on, "segment": seg, "status": row["status"], **{c: row[c] for c in kr.TRAFFIC_CLASSES},
                     "claimants": "; ".join(sorted({c["claimant"] for c in row["claims"]}))})
    if on == "2023-07-20":
        out = gdf.drop(columns=["claims", "passages", "routes"])
        out.to_file(f"status_{on}.geojson", driver="GeoJSON")

summary = pd.DataFrame(rows)
summary.to_csv("status_summary.csv", index=False)
print(summary.pivot_table(index="segment", columns="date", values="status", aggfunc="first").to_string())
