"""The shop's topology, declared once.

Local mode (``mercado up``), the Helm charts' wiring and NetworkPolicies, and the
operator's rollout order are all derived from :data:`mercado_topology.shop.SHOP`.
"""

from mercado_topology.model import Accept, Call, Component, Kind, Topology
from mercado_topology.shop import SHOP

__all__ = ["SHOP", "Accept", "Call", "Component", "Kind", "Topology"]
