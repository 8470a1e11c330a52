"""Regenerates docs/screenshots/*.png (`make screenshots`): a fresh SQLite database with the demo
data, the app on localhost, Debian's Chromium driven by Playwright."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/screens.db"
os.environ.setdefault("UPLOAD_DIR", tempfile.mkdtemp())

from flask_migrate import upgrade  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from app import create_app  # noqa: E402
from app.auth.passwords import DEMO_PASSWORD  # noqa: E402
from app.demo.seed import seed_demo  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def main() -> None:
    app = create_app()
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        seed_demo()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"), args=ARGS)

        def session(username: str | None):
            context = browser.new_context(base_url=base, viewport={"width": 1366, "height": 900}, locale="zh-CN")
            page = context.new_page()
            page.goto("/login")
            if username:
                page.get_by_label("用户名").fill(username)
                page.get_by_label("密码").fill(DEMO_PASSWORD)
                page.get_by_role("button", name="登录").click()
                page.wait_for_url(lambda url: "/login" not in url)
            return page

        def shot(page, name: str, url: str | None = None, wait: str | None = None):
            if url:
                page.goto(url)
            if wait:
                page.wait_for_selector(wait, timeout=15_000)
            page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)
            print(f"docs/screenshots/{name}.png")

        shot(session(None), "01-login")
        reviewer = session("reviewer")
        shot(reviewer, "02-inbox-reviewer", "/tasks?tab=available")
        handler = session("handler.pudong")
        handler.goto("/tasks?tab=completed")
        shot(handler, "03-inbox-handler-completed")
        czj = session("handler.czj")
        czj.goto("/tasks?tab=available")
        czj.locator("#task-table a", has_text="异议或确认").first.click()
        czj.get_by_label("答复").select_option("object")
        czj.get_by_role("button", name="提交").click()
        shot(czj, "04-task-form-with-errors")
        reviewer.goto("/tasks?tab=available")
        reviewer.locator("#task-table a", has_text="异议审查").first.click()
        shot(reviewer, "17-task-objection-review-case-file")
        shot(reviewer, "05-case-published-with-diagram", "/cases/4", wait="#diagram[data-ready='1']")
        shot(reviewer, "06-case-list", "/cases")
        shot(session("recorder"), "07-register-record", "/cases/new")
        admin = session("admin")
        shot(admin, "08-admin-users", "/admin/users")
        shot(admin, "09-admin-calendar", "/admin/calendar?year=2026")
        supervisor = session("supervisor")
        shot(supervisor, "10-supervision", "/supervision")
        shot(supervisor, "11-warning-case", "/cases/6", wait="#diagram[data-ready='1']")
        supervisor.goto("/tasks?tab=available")
        supervisor.locator("#task-table a", has_text="审核整改方案").first.click()
        shot(supervisor, "18-task-plan-review-case-file")
        shot(session("handler.czj"), "12-notifications", "/notifications")
        designer = session("designer")
        designer.goto("/designer/dishonesty_record/modeler")
        designer.wait_for_function("() => !document.querySelector('#designer-status').textContent.includes('正在加载')")
        designer.evaluate("() => { const m = window.chengxinModeler; m.get('selection').select(m.get('elementRegistry').get('objection_review')); }")
        shot(designer, "13-designer-modeler")
        shot(designer, "14-form-editor", "/designer/forms/objection_review", wait="#preview label")
        with app.app_context():
            from app.documents.models import Document
            from app.core.extensions import db
            from app.cases import attachments

            notice = db.session.scalars(db.select(Document).where(Document.doc_type == "notification")).first()
            pdf_path, code = attachments.path_for(notice.sha256), notice.verification_code
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", str(pdf_path),
                        str(OUT / "15-document-notification")], check=True)
        print("docs/screenshots/15-document-notification.png")
        shot(session(None), "16-verify-document", f"/verify/{code}")
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main()
