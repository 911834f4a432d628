"""Seed the demo: the network now; each module adds its demo data here as it lands."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lifenet.network.demo import DemoNetwork, seed_demo_network
from lifenet.network.models import OrgUnit


def is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count()).select_from(OrgUnit))


def seed_demo(session: Session) -> DemoNetwork:
    return seed_demo_network(session)
