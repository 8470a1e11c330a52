"""Responsible units (负责单位) named by 沪府发〔2017〕92号, and Shanghai's 16 districts."""
from __future__ import annotations

from sqlalchemy import select

from app.core.extensions import db
from app.org.models import Department

MUNICIPAL = [
    ("fgw", "市发展改革委"), ("xyzx", "市信用中心"), ("jcj", "市监察局"), ("gwyj", "市公务员局"),
    ("rsj", "市人力资源社会保障局"), ("fzb", "市政府法制办"), ("gfy", "市高法院"), ("czj", "市财政局"),
    ("swk", "市商务委"), ("jxw", "市经济信息化委"), ("swj", "市水务局"), ("zjw", "市住房城乡建设管理委"),
    ("hbj", "市环保局"), ("jtw", "市交通委"), ("gaj", "市公安局"), ("sypj", "市食品药品监管局"),
    ("ajj", "市安全监管局"), ("zjj", "市质量技监局"), ("sgb", "市审改办"), ("xfb", "市信访办"),
    ("rxb", "市民服务热线办"), ("tjj", "市统计局"), ("sjj", "市审计局"), ("dcs", "市政府督查室"),
    ("xwb", "市政府新闻办"), ("bgt", "市政府办公厅"), ("mzj", "市民政局"),
]
DISTRICTS = [
    ("huangpu", "黄浦区"), ("xuhui", "徐汇区"), ("changning", "长宁区"), ("jingan", "静安区"),
    ("putuo", "普陀区"), ("hongkou", "虹口区"), ("yangpu", "杨浦区"), ("minhang", "闵行区"),
    ("baoshan", "宝山区"), ("jiading", "嘉定区"), ("pudong", "浦东新区"), ("jinshan", "金山区"),
    ("songjiang", "松江区"), ("qingpu", "青浦区"), ("fengxian", "奉贤区"), ("chongming", "崇明区"),
]


def seed_departments() -> int:
    """Create missing departments; returns how many were added."""
    have = set(db.session.scalars(select(Department.code)))
    added = 0
    for code, name in MUNICIPAL:
        if code not in have:
            db.session.add(Department(code=code, name=name, kind="municipal"))
            added += 1
    for code, name in DISTRICTS:
        if code not in have:
            db.session.add(Department(code=code, name=f"{name}人民政府", kind="district"))
            added += 1
    db.session.flush()
    return added
