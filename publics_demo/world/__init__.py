"""The simulated institution every demo source is drawn from; it never imports a renderer.

One `World` (`model.py`) holds what the institution *is*: seasons and sizes (`frame.py`), venues,
tariffs, shows and performances (`catalogue.py`), people and structures behind the contact rows
(`people.py`, drawn from `names.py`). `orders.simulate_orders(world)` then plays the ticket sales,
order by order, as a stream; `campaigns.py` plans the marketing campaigns and their daily
deliveries; the web journeys (`webclock.py`, `visits.py`, `traffic.py`, `journeys.py`) and the
e-mail campaigns (`mailing.py`) simulate every visit to the website and every e-mail sent.
The renderers (`publics_demo.renderers`) only *render* this world in each tool's native format,
so that the same buyer, the same performance and the same order can be found in several
sources — which is what the planted truth is about.

Everything is deterministic: each part draws from its own `random.Random` seeded from the
world seed and a label (`world.rng("orders")`), with the shared helpers of `draws.py`, so adding
a consumer or a new source never shifts the numbers of the others. There is no clock: `TODAY` is
fixed (`frame.py`).
"""
