"""Seed the demo: the network now; each module adds its demo data here as it lands."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lifenet.network.demo import DemoNetwork, seed_demo_network
from lifenet.network.models import OrgUnit
from lifenet.registry.demo import seed_registry
from lifenet.registry.demo_plan import Progress


def is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count()).select_from(OrgUnit))


def seed_demo(
    session: Session, *, registry_runs: int = 2000, on_progress: Progress | None = None
) -> DemoNetwork:
    """The demo network, then ``registry_runs`` ECLS runs in its registry (tests pass 0)."""
    network = seed_demo_network(session)
    seed_registry(session, runs=registry_runs, on_progress=on_progress)
    return network
