"""A few demo cases at different stages, driven through the same services as real users."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.cases.service import open_tasks, register_case
from app.core.clock import clock
from app.core.errors import DomainError
from app.core.extensions import db
from app.org.models import CivilServant, User
from app.tasks.service import complete

BASE = {
    "subject_type": "department", "source_type": "administrative_penalty", "key_area": "政府采购",
    "tier": "general", "document_number": "沪财监〔2026〕17号",
}
APPROVE = {"entry_decision": "approve", "review_opinion": "事实清楚，证据充分，同意告知"}
# A small valid PDF standing for the objection's evidence (the case file shows it by step and person).
DEMO_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _step(case, username: str, element: str, data: dict, uploads: dict | None = None) -> None:
    task = next(t for t in open_tasks(case) if t.bpmn_id == element)
    complete(_user(username), task.id, data, uploads)


def create_demo_cases() -> list[str]:
    """Six cases at different stages. Each is driven step by step through the services; a step
    the calendar cannot plan yet (a deadline in a year whose working-day calendar is not loaded,
    e.g. late in December before the State Council publishes next year's) leaves that case at the
    stage it reached and says so, so `make run` still starts."""
    recorder, supervisor = _user("recorder"), _user("supervisor")
    servant = db.session.scalar(select(CivilServant).where(CivilServant.staff_number == "CZ-2019-0107"))
    deadline = (clock.today() + timedelta(days=30)).isoformat()
    # Each record's source decision (judgment, penalty, sanction) was made a few weeks before it was
    # registered: its publication period counts from that day.
    decided = {"decided_on": (clock.today() - timedelta(days=21)).isoformat()}
    scripts = [
        (recorder, "dishonesty_record", {
            **BASE, **decided, "subject_department": "fgw", "title": "招商引资政策承诺未兑现", "key_area": "招商引资",
            "source_type": "contract_breach", "document_number": "沪发改诚〔2026〕3号",
            "facts": "2025年签订的投资协议约定的扶持资金至今未拨付，企业多次投诉。"}, []),
        (recorder, "dishonesty_record", {
            **BASE, **decided, "subject_type": "civil_servant", "subject_department": "czj", "civil_servant_id": servant.id,
            "title": "违规干预政府采购评审", "source_type": "disciplinary_sanction", "document_number": "沪纪〔2026〕41号",
            "facts": "在某信息化项目采购中向评审专家打招呼，受到党内警告处分。"},
         [("reviewer", "entry_review", APPROVE, None)]),
        (recorder, "dishonesty_record", {
            **BASE, **decided, "subject_department": "pudong", "title": "河道整治公开承诺逾期未完成", "key_area": "河道治理",
            "source_type": "accountability_decision", "document_number": "沪水务〔2026〕9号",
            "facts": "区级河长公开承诺2025年底前完成整治，至2026年6月仍未完成。"},
         [("reviewer", "entry_review", APPROVE, None),
          ("handler.pudong", "respond_notice", {
              "response": "object", "objection_grounds": "延期已报市河长办备案同意，不属于失信。", "commitment": True},
           {"objection_evidence": [("市河长办备案回复.pdf", DEMO_PDF)]})]),
        (recorder, "dishonesty_record", {
            **BASE, **decided, "subject_department": "fgw", "title": "拖欠中标企业合同款",
            "facts": "项目验收合格后未按合同约定在30日内拨付合同款 120 万元。"},
         [("reviewer", "entry_review", APPROVE, None), ("handler.fgw", "respond_notice", {"response": "accept"}, None),
          ("reviewer", "publication_decision", {"publish": True, "decision_note": "一般失信，依规公开"}, None)]),
        (recorder, "dishonesty_record", {
            **BASE, **decided, "subject_department": "czj", "title": "统计报表迟报", "key_area": "统计", "tier": "minor",
            "source_type": "statistical_fraud", "document_number": "沪统〔2026〕2号",
            "facts": "因系统故障迟报一日，已主动补报并说明。"},
         [("reviewer", "entry_review", {"entry_decision": "exempt", "review_opinion": "符合容错情形"}, None)]),
        (supervisor, "warning_rectification", {
            "subject_department": "czj", "title": "企业服务投诉集中", "trigger": "complaints", "key_area": "企业服务",
            "reason": "近30日企业服务平台涉及该单位的投诉 8 件，其中超期办理 5 件。"},
         [("handler.czj", "explain", {"explanation": "惠企资金审核环节积压，人手不足。", "will_rectify": "yes"}, None),
          ("handler.czj", "submit_plan", {"measures": "增派审核人员，建立限时办结台账，每周通报进度。",
                                          "responsible_person": "刘洋（办公室主任）", "rectification_deadline": deadline},
           None)]),
    ]
    lines = []
    for who, process, data, steps in scripts:
        try:
            case = register_case(who, process, data)
        except DomainError as exc:
            lines.append(f"演示案件“{data['title']}”未生成：{exc.message}")
            continue
        try:
            for username, element, values, uploads in steps:
                _step(case, username, element, values, uploads)
        except DomainError as exc:
            lines.append(f"演示案件 {case.number} 停在当前环节：{exc.message}")
        lines.append(f"演示案件：{case.number} {case.title}（{case.record_status}）")
    return lines
