"""The demo network: an Anhui regional pediatric network around a national children's
regional medical center in Hefei, with its spokes and one out-of-province referral hospital.

Built only through the module's actions, as a real administrator would; the tests' named
world is built from the same function.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from lifenet.db import utcnow
from lifenet.network import actions
from lifenet.network.schemas import GrantCreate, HospitalAttributes, OrgUnitCreate, UserCreate

DEMO_PASSWORD = "lifenet-demo-2026"  # noqa: S105 - printed for the demo; never a production account


@dataclass(frozen=True)
class DemoHospital:
    code: str
    parent: str
    name_en: str
    name_zh: str
    level: str
    role: str
    ecmo: bool
    beds: int
    units: tuple[str, ...]


REGIONS: tuple[tuple[str, str | None, str, str, str], ...] = (
    # code, parent, kind, English, Chinese
    ("CN", None, "nation", "China", "中国"),
    ("AH", "CN", "province", "Anhui Province", "安徽省"),
    ("SH", "CN", "province", "Shanghai Municipality", "上海市"),
    ("AH-HF", "AH", "city", "Hefei", "合肥市"),
    ("AH-WH", "AH", "city", "Wuhu", "芜湖市"),
    ("AH-BB", "AH", "city", "Bengbu", "蚌埠市"),
    ("AH-FY", "AH", "city", "Fuyang", "阜阳市"),
    ("AH-LA", "AH", "city", "Lu'an", "六安市"),
    ("AH-AQ", "AH", "city", "Anqing", "安庆市"),
    ("AH-FY-FN", "AH-FY", "county", "Funan County", "阜南县"),
    ("AH-FY-LQ", "AH-FY", "county", "Linquan County", "临泉县"),
    ("AH-LA-HQ", "AH-LA", "county", "Huoqiu County", "霍邱县"),
    ("AH-LA-SC", "AH-LA", "county", "Shucheng County", "舒城县"),
    ("AH-AQ-TC", "AH-AQ", "county", "Tongcheng", "桐城市"),
    ("AH-AQ-QS", "AH-AQ", "county", "Qianshan", "潜山市"),
)

UNIT_NAMES: dict[str, tuple[str, str]] = {
    "PICU": ("Pediatric ICU", "儿童重症监护室"),
    "NICU": ("Neonatal ICU", "新生儿重症监护室"),
    "CICU": ("Cardiac ICU", "心脏重症监护室"),
    "ED": ("Pediatric emergency", "儿科急诊"),
    "ECMO team": ("ECMO team", "ECMO团队"),
    "ward": ("Pediatric ward", "儿科病房"),
}

HOSPITALS: tuple[DemoHospital, ...] = (
    DemoHospital(
        "hub",
        "AH-HF",
        "National Children's Regional Medical Center (Anhui)",
        "国家儿童区域医疗中心（安徽）",
        "tertiary",
        "hub",
        True,
        1500,
        ("PICU", "NICU", "CICU", "ED", "ECMO team", "ward"),
    ),
    DemoHospital(
        "wuhu",
        "AH-WH",
        "Wuhu Maternal and Child Health Hospital",
        "芜湖市妇幼保健院",
        "tertiary",
        "spoke",
        True,
        600,
        ("PICU", "NICU", "ward"),
    ),
    DemoHospital(
        "bengbu",
        "AH-BB",
        "Bengbu Children's Hospital",
        "蚌埠市儿童医院",
        "tertiary",
        "spoke",
        False,
        500,
        ("PICU", "NICU", "ward"),
    ),
    DemoHospital(
        "funan",
        "AH-FY-FN",
        "Funan County People's Hospital",
        "阜南县人民医院",
        "secondary",
        "spoke",
        False,
        300,
        ("PICU", "NICU", "ward"),
    ),
    DemoHospital(
        "linquan",
        "AH-FY-LQ",
        "Linquan County People's Hospital",
        "临泉县人民医院",
        "secondary",
        "spoke",
        False,
        320,
        ("PICU", "NICU", "ward"),
    ),
    DemoHospital(
        "huoqiu",
        "AH-LA-HQ",
        "Huoqiu County Hospital",
        "霍邱县第一人民医院",
        "secondary",
        "spoke",
        False,
        260,
        ("NICU", "ward"),
    ),
    DemoHospital(
        "shucheng",
        "AH-LA-SC",
        "Shucheng County People's Hospital",
        "舒城县人民医院",
        "secondary",
        "spoke",
        False,
        240,
        ("NICU", "ward"),
    ),
    DemoHospital(
        "tongcheng",
        "AH-AQ-TC",
        "Tongcheng City Hospital",
        "桐城市人民医院",
        "secondary",
        "spoke",
        False,
        220,
        ("NICU", "ward"),
    ),
    DemoHospital(
        "qianshan",
        "AH-AQ-QS",
        "Qianshan City Hospital",
        "潜山市医院",
        "primary",
        "spoke",
        False,
        150,
        ("ward",),
    ),
    DemoHospital(
        "shanghai",
        "SH",
        "Shanghai Pediatric Referral Hospital",
        "上海儿科转诊医院",
        "tertiary",
        "outside",
        True,
        1200,
        ("PICU", "NICU", "CICU", "ECMO team"),
    ),
)

PEOPLE: tuple[tuple[str, str], ...] = (
    ("张伟", "Zhang Wei"),
    ("王芳", "Wang Fang"),
    ("李娜", "Li Na"),
    ("刘洋", "Liu Yang"),
    ("陈静", "Chen Jing"),
    ("杨磊", "Yang Lei"),
    ("赵敏", "Zhao Min"),
    ("黄勇", "Huang Yong"),
    ("周婷", "Zhou Ting"),
    ("吴强", "Wu Qiang"),
    ("徐丽", "Xu Li"),
    ("孙杰", "Sun Jie"),
    ("胡军", "Hu Jun"),
    ("朱燕", "Zhu Yan"),
    ("高峰", "Gao Feng"),
    ("林欣", "Lin Xin"),
    ("何涛", "He Tao"),
    ("郭佳", "Guo Jia"),
    ("马超", "Ma Chao"),
    ("罗琳", "Luo Lin"),
    ("梁晨", "Liang Chen"),
    ("宋雪", "Song Xue"),
    ("郑浩", "Zheng Hao"),
    ("谢颖", "Xie Ying"),
    ("韩冰", "Han Bing"),
    ("唐宁", "Tang Ning"),
    ("冯刚", "Feng Gang"),
    ("邓丽", "Deng Li"),
    ("曹阳", "Cao Yang"),
    ("彭飞", "Peng Fei"),
)


@dataclass
class DemoNetwork:
    units: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    accounts: list[tuple[str, str, str]] = field(default_factory=list)  # username, role, where

    def unit(self, code: str) -> int:
        return self.units[code]


def seed_demo_network(session: Session, password: str = DEMO_PASSWORD) -> DemoNetwork:
    demo = DemoNetwork()
    for code, parent, kind, en, zh in REGIONS:
        demo.units[code] = _unit(session, demo, parent, kind, code, en, zh)
    for h in HOSPITALS:
        attrs = HospitalAttributes(
            level=h.level, network_role=h.role, ecmo_capable=h.ecmo, licensed_beds=h.beds
        )
        demo.units[h.code] = _unit(
            session, demo, h.parent, "hospital", h.code, h.name_en, h.name_zh, hospital=attrs
        )
        for unit_type in h.units:
            en, zh = UNIT_NAMES[unit_type]
            code = f"{h.code}-{unit_type.replace(' ', '').lower()}"
            demo.units[code] = _unit(session, demo, h.code, "unit", code, en, zh, unit_type=unit_type)
    names = iter(PEOPLE)
    now = utcnow()
    # Network-wide people work at the hub; the commission viewer at the provincial commission.
    _person(session, demo, names, "admin", "hub", "network_admin", "CN", password)
    _person(session, demo, names, "hub.admin", "hub", "hospital_admin", "hub", password)
    _person(session, demo, names, "expert", "hub", "hub_expert", "hub", password)
    _person(session, demo, names, "quality", "hub", "quality_officer", "CN", password)
    _person(session, demo, names, "commission", "AH", "commission_viewer", "AH", password)
    _person(session, demo, names, "researcher", "hub", "researcher", "CN", password)
    for h in HOSPITALS:
        _person(session, demo, names, f"{h.code}.doctor", h.code, "clinician", h.code, password)
        _person(session, demo, names, f"{h.code}.dm", h.code, "data_manager", h.code, password)
    # The hub expert is stationed at Funan for six months: Funan's scope for those months only.
    _grant(
        session,
        demo,
        "expert",
        "clinician",
        "funan",
        now - dt.timedelta(days=30),
        now + dt.timedelta(days=150),
    )
    demo.accounts.append(("expert", "clinician (stationed, 6 months)", "funan"))
    return demo


def _unit(
    session: Session,
    demo: DemoNetwork,
    parent: str | None,
    kind: str,
    code: str,
    en: str,
    zh: str,
    **extra: Any,
) -> int:
    data = OrgUnitCreate(
        parent_id=demo.units[parent] if parent else None,
        kind=kind,
        code=code,
        name_en=en,
        name_zh=zh,
        **extra,
    )
    return actions.do_create_org_unit(session, None, data).id


def _person(
    session: Session,
    demo: DemoNetwork,
    names: Any,
    username: str,
    home: str,
    role: str,
    scope: str,
    password: str,
) -> None:
    zh, en = next(names)
    user = actions.do_create_user(
        session,
        None,
        UserCreate(
            username=username,
            display_name=zh,
            display_name_en=en,
            password=password,
            home_org_unit_id=demo.units[home],
        ),
    )
    demo.users[username] = user.id
    _grant(session, demo, username, role, scope)
    demo.accounts.append((username, role, scope))


def _grant(
    session: Session,
    demo: DemoNetwork,
    username: str,
    role: str,
    scope: str,
    valid_from: dt.datetime | None = None,
    valid_until: dt.datetime | None = None,
) -> None:
    actions.do_grant_role(
        session,
        None,
        GrantCreate(
            user_id=demo.users[username],
            role=role,
            org_unit_id=demo.units[scope],
            valid_from=valid_from,
            valid_until=valid_until,
        ),
    )
