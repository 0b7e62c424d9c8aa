"""Write a self-contained date map (no network needed to open it) with a trip highlighted.

Run:  python examples/offline_map.py  (writes roads_2023-01-10.html)
"""

from __future__ import annotations

import karabakh_routes as kr

m = kr.load()
fmap = m.map(on="2023-01-10", traffic="civilian", path=("Goris", "Khankendi"), offline=True)
fmap.save("roads_2023-01-10.html")
print("wrote roads_2023-01-10.html")
