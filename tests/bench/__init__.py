"""``make bench``: speed and footprint figures next to their baselines, printed and saved.

Nothing here asserts on time; the figures depend on the machine and are reported as seen.
"""
