"""Reference data every installation needs: departments, the working-day calendar and the
processes in workflows/ (idempotent; what `seed-demo` and `generate-load` start from)."""
from __future__ import annotations

from app.calendar.service import seed_from_package
from app.core.transaction import unit_of_work
from app.designer.deployment import deploy_workflows_dir
from app.org.seed import seed_departments


def seed_reference_data() -> list[str]:
    """Departments, calendar and processes — needed by every installation. Returns the lines to print."""
    lines = []
    with unit_of_work():
        added = seed_departments()
    lines.append(f"单位：新增 {added} 个")
    years = seed_from_package()
    lines.append("工作日历：" + (f"导入 {years[0]}–{years[-1]} 年" if years else "已是最新"))
    for key, number, created in deploy_workflows_dir():
        lines.append(f"流程 {key}：第 {number} 版" + ("（新部署）" if created else ""))
    return lines
