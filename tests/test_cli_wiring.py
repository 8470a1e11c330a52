"""The `flask --app wsgi` commands: each package defines its own (its cli.py, or app/scheduler.py
for tick), and the factory puts every one at the top level under the name the Makefile, README
and CI use."""
from app.admin.cli import cli as admin_cli
from app.cli import PACKAGE_COMMANDS
from app.demo.cli import cli as demo_cli
from app.designer.cli import cli as designer_cli
from app.rules.cli import cli as rules_cli
from app.scheduler import cli as scheduler_cli
from app.sharing.cli import cli as sharing_cli

COMMANDS = {"audit": {"verify"}, "deploy": None, "deploy-all": None, "dev-clock": {"show", "set", "advance", "reset"},
            "documents": {"reports", "rerender"}, "generate-load": None, "import-calendar": None, "seed-demo": None,
            "send-mail": None, "sharing": {"push", "resend"}, "test-processes": None, "tick": None, "test-decisions": None, "deploy-rules": None}


def test_every_command_is_at_the_top_level_with_its_subcommands(app):
    assert set(app.cli.commands) == set(COMMANDS) | {"db"}  # db: Flask-Migrate's
    for name, subcommands in COMMANDS.items():
        assert set(getattr(app.cli.commands[name], "commands", {})) == (subcommands or set()), name


def test_each_command_is_defined_by_exactly_one_package():
    names = [name for group in PACKAGE_COMMANDS for name in group.commands]
    assert sorted(names) == sorted(COMMANDS)
    assert set(designer_cli.commands) == {"deploy", "deploy-all", "test-processes"}
    assert set(admin_cli.commands) == {"import-calendar", "dev-clock"}
    assert set(demo_cli.commands) == {"seed-demo", "generate-load"}
    assert set(scheduler_cli.commands) == {"tick"}
    assert set(rules_cli.commands) == {"test-decisions", "deploy-rules"}
    assert set(sharing_cli.commands) == {"sharing"}


def test_a_command_runs_in_its_own_app_context(runner):
    # No test context is pushed here: the command must push the app's own, as `flask` does.
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "完好" in result.output
    result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 0 and "'sent': 0" in result.output
    result = runner.invoke(args=["sharing", "push"])
    assert result.exit_code == 0 and "已确认 0" in result.output, result.output
